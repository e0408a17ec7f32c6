import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors.ts';
import type { DeclaredAudio } from './incoming-audio.ts';

// Request bodies of the voice routes: JSON (with base64 audio, so its limit fits
// VOICE_MAX_AUDIO_BYTES once encoded), or the audio itself under one of the audio types, read up to
// VOICE_MAX_AUDIO_BYTES. Anything else is 415 with the types that would do.

const WAV_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'];
const PCM_TYPE = 'audio/l16';
const UNKNOWN_TYPE = 'application/octet-stream';
export const RAW_AUDIO_TYPES = [...WAV_TYPES, PCM_TYPE, UNKNOWN_TYPE];

/** Room for the other JSON fields beside base64 audio. */
const JSON_OVERHEAD_BYTES = 64 * 1024;

export function installVoiceBodyParsers(
  scope: FastifyInstance,
  options: { maxAudioBytes: number; bodyLimitBytes: number },
): void {
  scope.addContentTypeParser(
    RAW_AUDIO_TYPES,
    { parseAs: 'buffer', bodyLimit: options.maxAudioBytes },
    (_request, body, done) => done(null, body),
  );
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser(
    'application/json',
    {
      parseAs: 'string',
      bodyLimit: Math.max(options.bodyLimitBytes, base64Length(options.maxAudioBytes) + JSON_OVERHEAD_BYTES),
    },
    scope.getDefaultJsonParser('error', 'error'),
  );
  scope.removeContentTypeParser('text/plain');
  scope.addContentTypeParser('*', (request, _payload, done) => {
    const given = request.headers['content-type'];
    done(
      new AppError('UNSUPPORTED_MEDIA_TYPE', {
        message: given === undefined ? 'The body has no Content-Type.' : `Unsupported content type ${given}.`,
        details: {
          hint: `Send application/json, or to /api/v1/voice/stt the audio itself as ${RAW_AUDIO_TYPES.join(', ')}.`,
        },
      }),
    );
  });
}

function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/**
 * What a Content-Type says about audio bytes. `audio/L16;rate=8000;channels=2` carries its format;
 * other headerless PCM is taken at SAMPLE_RATE, mono.
 */
export function declaredAudioOf(contentType: string | undefined, pcmSampleRate: number): DeclaredAudio {
  const [mediaType = '', ...parameterTexts] = (contentType ?? '').split(';').map((part) => part.trim());
  const type = mediaType.toLowerCase();
  if (WAV_TYPES.includes(type)) return { kind: 'wav' };
  if (type !== PCM_TYPE) return { kind: 'unknown', pcmSampleRate };
  const parameters = new Map(
    parameterTexts.map((text) => {
      const [name = '', value = ''] = text.split('=');
      return [name.trim().toLowerCase(), value.trim().replace(/^"(.*)"$/, '$1')];
    }),
  );
  return {
    kind: 'pcm',
    sampleRate: numberParameter(parameters.get('rate')) ?? pcmSampleRate,
    channels: numberParameter(parameters.get('channels')) ?? 1,
  };
}

/** A garbled value becomes NaN, which the PCM decoder refuses with a message naming it. */
function numberParameter(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
}
