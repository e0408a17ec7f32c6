// The spoken side of a reply: each sentence synthesized as the model completes it, one at a time
// and in order (one engine process per session at a time), as 16 kHz mono, the rate doc 001 gives
// for output audio whatever the engine's own (espeak-ng speaks at 22 050 Hz).
import { SPEECH_SAMPLE_RATE, toMono16k } from './audio/resample.ts';
import { writeWav } from './audio/wav.ts';
import type { TextToSpeech } from './text-to-speech.ts';

/** Synthesizes `text` whole; rejects when the engine fails or `signal` aborts it. */
export async function synthesizeSpeech(options: {
  textToSpeech: TextToSpeech;
  text: string;
  signal: AbortSignal;
}): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  // Chunks of one rate are joined before resampling, so no seam is resampled on its own.
  let run: { sampleRate: number; chunks: Int16Array[] } | undefined;
  const closeRun = () => {
    if (run !== undefined) parts.push(to16k(run.sampleRate, joinSamples(run.chunks)));
    run = undefined;
  };
  for await (const chunk of options.textToSpeech.synthesize({ text: options.text, signal: options.signal })) {
    options.signal.throwIfAborted();
    if (run?.sampleRate !== chunk.sampleRate) {
      closeRun();
      run = { sampleRate: chunk.sampleRate, chunks: [] };
    }
    run.chunks.push(chunk.samples);
  }
  options.signal.throwIfAborted();
  closeRun();
  return joinSamples(parts);
}

/** A 16 kHz mono 16-bit WAV file of the samples. */
export function speechWav(samples: Int16Array): Uint8Array {
  return writeWav({ sampleRate: SPEECH_SAMPLE_RATE, channels: 1, samples });
}

export function joinSamples(parts: readonly Int16Array[]): Int16Array {
  if (parts.length === 1) return parts[0]!;
  const joined = new Int16Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

function to16k(sampleRate: number, samples: Int16Array): Int16Array {
  return toMono16k({ sampleRate, channels: 1, samples });
}

/**
 * Sentences in, their audio out in the same order: each synthesis starts when the previous one
 * ended, so the first sentence is spoken while the model still writes the next.
 */
export class SentenceSpeaker {
  readonly #textToSpeech: TextToSpeech;
  readonly #signal: AbortSignal;
  #previous: Promise<unknown> = Promise.resolve();

  constructor(options: { textToSpeech: TextToSpeech; signal: AbortSignal }) {
    this.#textToSpeech = options.textToSpeech;
    this.#signal = options.signal;
  }

  /** The sentence's 16 kHz samples, once every sentence before it is done. */
  speak(text: string): Promise<Int16Array> {
    const audio = this.#previous.then(() =>
      synthesizeSpeech({ textToSpeech: this.#textToSpeech, text, signal: this.#signal }),
    );
    // The next sentence waits for this one whether it succeeds or not; the failure is the caller's.
    this.#previous = audio.catch(() => undefined);
    return audio;
  }
}
