// Doc 002's `provider` values as engine names. The documents write `eleven_labs`; /health and the
// errors name engines as they are (`elevenlabs`, `espeak-ng`); `local` is the Debian engine.

export type VoiceKind = 'speechToText' | 'textToSpeech';

const ALIASES: Record<VoiceKind, Record<string, string>> = {
  speechToText: { local: 'pocketsphinx' },
  textToSpeech: {
    local: 'espeak-ng',
    espeak: 'espeak-ng',
    eleven_labs: 'elevenlabs',
    'eleven-labs': 'elevenlabs',
  },
};

/** Names that mean "whatever this server uses by default". */
const DEFAULT_NAMES = new Set(['auto', 'default']);

/** The engine a request names, or undefined for the server's default engine (with its fallback). */
export function voiceProviderName(kind: VoiceKind, given: string | undefined): string | undefined {
  if (given === undefined) return undefined;
  const lowered = given.trim().toLowerCase();
  if (DEFAULT_NAMES.has(lowered)) return undefined;
  return ALIASES[kind][lowered] ?? lowered;
}
