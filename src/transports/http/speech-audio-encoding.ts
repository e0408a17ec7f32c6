import { encodeMp3 } from '../../voice/audio/mp3.ts';
import { writeWav } from '../../voice/audio/wav.ts';
import type { SpeechFormat } from './voice-tts-request.ts';

// Synthesized speech as doc 002's `format` asks: MP3 (at VOICE_MP3_KBPS), WAV, or raw PCM. Raw
// PCM is signed 16-bit little-endian, like the vendors' own `pcm` formats (not RFC 2586's
// network byte order, despite the audio/L16 label that carries its rate).

export interface EncodedSpeech {
  body: Buffer;
  contentType: string;
}

export function encodeSpeech(options: {
  samples: Int16Array;
  sampleRate: number;
  format: SpeechFormat;
  mp3Kbps: number;
}): EncodedSpeech {
  const { samples, sampleRate } = options;
  switch (options.format) {
    case 'mp3':
      return {
        body: Buffer.from(encodeMp3({ samples, sampleRate, channels: 1, kbps: options.mp3Kbps })),
        contentType: 'audio/mpeg',
      };
    case 'wav':
      return { body: Buffer.from(writeWav({ samples, sampleRate, channels: 1 })), contentType: 'audio/wav' };
    case 'pcm':
      return {
        body: littleEndianBytes(samples),
        contentType: `audio/L16;rate=${sampleRate};channels=1`,
      };
  }
}

function littleEndianBytes(samples: Int16Array): Buffer {
  const bytes = Buffer.alloc(samples.length * 2);
  for (let index = 0; index < samples.length; index++) bytes.writeInt16LE(samples[index] ?? 0, index * 2);
  return bytes;
}
