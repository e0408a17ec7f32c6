// Doc 001's `audio_chunk.audio_data` → 16 kHz mono samples, cut into the detector's frames.
// A chunk is base64 of a WAV (any rate from 8 to 48 kHz, mono or stereo, 16-bit PCM; each chunk a
// WAV of its own, as a browser recorder makes them) or of headerless 16-bit little-endian mono
// PCM at SAMPLE_RATE. Every refusal is an AudioError with a message the client can act on.
import { AudioError } from './audio/audio-error.ts';
import type { DecodedAudio } from './audio/audio-format.ts';
import { checkAudioLimits } from './audio/audio-limits.ts';
import { decodeAudio } from './audio/pcm.ts';
import { StreamingResampler } from './streaming-resampler.ts';

export interface AudioInputOptions {
  /** The rate of headerless PCM chunks (the SAMPLE_RATE setting). */
  pcmSampleRate: number;
  /** The largest decoded chunk accepted (VOICE_MAX_AUDIO_BYTES). */
  maxChunkBytes: number;
}

// Browsers' FileReader.readAsDataURL gives `data:audio/wav;base64,…`: the prefix is dropped.
const DATA_URL_PREFIX = /^data:[^,]*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Strict base64 (standard or URL-safe alphabet): a typo is refused rather than decoded into noise. */
export function decodeBase64Audio(text: string): Uint8Array {
  const body = text.replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  if (body === '') throw new AudioError('MALFORMED_AUDIO', 'audio_data is empty.');
  if (!BASE64.test(body) || body.length % 4 === 1) {
    throw new AudioError('MALFORMED_AUDIO', 'audio_data is not valid base64.');
  }
  return new Uint8Array(Buffer.from(body, 'base64'));
}

/** One connection's incoming audio: keeps the resampler's state from chunk to chunk. */
export class AudioInput {
  readonly #options: AudioInputOptions;
  #resampler: StreamingResampler | undefined;

  constructor(options: AudioInputOptions) {
    this.#options = options;
  }

  /** Decodes one chunk; answers the 16 kHz mono samples it completes (a few ms may wait for the next). */
  push(audioData: string): Int16Array {
    const bytes = decodeBase64Audio(audioData);
    checkAudioLimits(
      { bytes: bytes.length },
      { maxBytes: this.#options.maxChunkBytes, maxSeconds: Infinity },
    );
    const audio = decodeAudio(bytes, { pcmSampleRate: this.#options.pcmSampleRate });
    // A client that switches rates mid-stream starts a new stream; the few held-back samples go.
    if (this.#resampler?.inputRate !== audio.sampleRate) {
      this.#resampler = new StreamingResampler(audio.sampleRate);
    }
    return this.#resampler.push(downmix(audio));
  }
}

function downmix(audio: DecodedAudio): Int16Array {
  if (audio.channels === 1) return audio.samples;
  const frames = Math.floor(audio.samples.length / audio.channels);
  const mono = new Int16Array(frames);
  for (let frame = 0; frame < frames; frame += 1) {
    let sum = 0;
    for (let channel = 0; channel < audio.channels; channel += 1) {
      sum += audio.samples[frame * audio.channels + channel] ?? 0;
    }
    mono[frame] = Math.round(sum / audio.channels);
  }
  return mono;
}

/** Cuts a stream of samples into frames of a fixed size, keeping the remainder for next time. */
export class FrameSplitter {
  readonly frameSize: number;
  #rest: Int16Array = new Int16Array(0);

  constructor(frameSize: number) {
    this.frameSize = frameSize;
  }

  push(samples: Int16Array): Int16Array[] {
    const joined = new Int16Array(this.#rest.length + samples.length);
    joined.set(this.#rest);
    joined.set(samples, this.#rest.length);
    const frames: Int16Array[] = [];
    let offset = 0;
    for (; offset + this.frameSize <= joined.length; offset += this.frameSize) {
      frames.push(joined.slice(offset, offset + this.frameSize));
    }
    this.#rest = joined.slice(offset);
    return frames;
  }

  reset(): void {
    this.#rest = new Int16Array(0);
  }
}
