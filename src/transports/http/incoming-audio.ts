import { AppError } from '../../core/errors.ts';
import { AudioError, isAudioError } from '../../voice/audio/audio-error.ts';
import type { DecodedAudio } from '../../voice/audio/audio-format.ts';
import { checkAudioLimits } from '../../voice/audio/audio-limits.ts';
import type { AudioLimits } from '../../voice/audio/audio-limits.ts';
import { decodeAudio, decodePcm16 } from '../../voice/audio/pcm.ts';
import { toMono16k } from '../../voice/audio/resample.ts';
import { parseWav } from '../../voice/audio/wav.ts';

// Audio a client sent for transcription → 16 kHz mono samples, within VOICE_MAX_AUDIO_BYTES and
// VOICE_MAX_AUDIO_SECONDS. Refusals are registry errors: 415 for a format this server cannot read,
// 400 for a broken file, 413 for too much; `details.reason` keeps the audio module's own code.

/** What the client said the bytes are: a WAV file, headerless PCM, or "look at the bytes". */
export type DeclaredAudio =
  | { kind: 'wav' }
  | { kind: 'pcm'; sampleRate: number; channels: number }
  | { kind: 'unknown'; pcmSampleRate: number };

export interface IncomingAudio {
  /** 16 kHz mono signed 16-bit. */
  samples: Int16Array;
  durationSeconds: number;
}

const HINT = 'Send a 16-bit PCM WAV file, or headerless 16-bit little-endian PCM.';

export function decodeIncomingAudio(options: {
  bytes: Uint8Array;
  declared: DeclaredAudio;
  limits: AudioLimits;
}): IncomingAudio {
  const { bytes, declared, limits } = options;
  try {
    checkAudioLimits({ bytes: bytes.length }, limits);
    const decoded = decode(bytes, declared);
    checkAudioLimits({ bytes: bytes.length, durationSeconds: decoded.durationSeconds }, limits);
    return { samples: toMono16k(decoded), durationSeconds: decoded.durationSeconds };
  } catch (error) {
    throw isAudioError(error) ? fromAudioError(error) : error;
  }
}

function decode(bytes: Uint8Array, declared: DeclaredAudio): DecodedAudio {
  if (bytes.length === 0) throw new AudioError('MALFORMED_AUDIO', 'The audio is empty.');
  switch (declared.kind) {
    case 'wav':
      return nonEmpty(parseWav(bytes));
    case 'pcm':
      return nonEmpty(decodePcm16(bytes, declared));
    case 'unknown': {
      const container = knownContainer(bytes);
      if (container !== undefined) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
          message: `${container} audio is not supported. ${HINT}`,
          details: { reason: 'UNSUPPORTED_AUDIO', hint: HINT },
        });
      }
      return decodeAudio(bytes, { pcmSampleRate: declared.pcmSampleRate });
    }
  }
}

function nonEmpty(audio: DecodedAudio): DecodedAudio {
  if (audio.samples.length === 0) throw new AudioError('MALFORMED_AUDIO', 'The audio holds no samples.');
  return audio;
}

// Compressed formats start with a magic number. Without this check they would pass for headerless
// PCM and be transcribed as noise; MPEG frames without an ID3 tag cannot be told from PCM this way.
const MAGIC: Array<{ name: string; at: number; text: string }> = [
  { name: 'MP3', at: 0, text: 'ID3' },
  { name: 'Ogg', at: 0, text: 'OggS' },
  { name: 'FLAC', at: 0, text: 'fLaC' },
  { name: 'WebM', at: 0, text: '\x1a\x45\xdf\xa3' },
  { name: 'MP4/M4A', at: 4, text: 'ftyp' },
];

function knownContainer(bytes: Uint8Array): string | undefined {
  return MAGIC.find(({ at, text }) =>
    [...text].every((character, index) => bytes[at + index] === character.charCodeAt(0)),
  )?.name;
}

function fromAudioError(error: AudioError): AppError {
  const details = { reason: error.code, hint: HINT };
  switch (error.code) {
    case 'UNSUPPORTED_AUDIO':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', { message: error.message, details });
    case 'MALFORMED_AUDIO':
      return new AppError('INVALID_REQUEST', { message: error.message, details });
    case 'AUDIO_TOO_LARGE':
    case 'AUDIO_TOO_LONG':
      return new AppError('PAYLOAD_TOO_LARGE', { message: error.message, details: { reason: error.code } });
  }
}
