// Resamples a live stream of mono chunks to 16 kHz. Resampling each 20 ms chunk on its own would
// cut the interpolation kernel at every chunk edge (a 50 Hz buzz that speech recognition hears), so
// this keeps the samples around the edge: it resamples windows that carry `context` samples of the
// stream on either side, aligned to whole blocks of the rate ratio, and keeps only the middle. The
// result equals resampling the whole stream at once; the price is a few milliseconds of lookahead.
import { SPEECH_SAMPLE_RATE, toMono16k } from './audio/resample.ts';

// Mirrors resample.ts: the kernel reaches ZERO_CROSSINGS / scale input samples each side.
const ZERO_CROSSINGS = 16;
const CUTOFF = 0.92;

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

export class StreamingResampler {
  readonly inputRate: number;
  /** Input samples per block; a block becomes exactly `#outputBlock` output samples. */
  readonly #inputBlock: number;
  readonly #outputBlock: number;
  /** Samples kept on each side of a window: at least the kernel's reach, in whole blocks. */
  readonly #context: number;
  /** The last `#context` samples already resampled (zeros before the stream began). */
  #history: Int16Array;
  /** Samples received and not yet resampled. */
  #pending: Int16Array = new Int16Array(0);

  constructor(inputRate: number) {
    this.inputRate = inputRate;
    const divisor = greatestCommonDivisor(inputRate, SPEECH_SAMPLE_RATE);
    this.#inputBlock = inputRate / divisor;
    this.#outputBlock = SPEECH_SAMPLE_RATE / divisor;
    const scale = Math.min(1, SPEECH_SAMPLE_RATE / inputRate) * CUTOFF;
    const reach = Math.ceil(ZERO_CROSSINGS / scale) + 1;
    this.#context = Math.ceil(reach / this.#inputBlock) * this.#inputBlock;
    this.#history = new Int16Array(this.#context);
  }

  /** Takes the next mono samples at `inputRate`; answers the 16 kHz samples now complete. */
  push(samples: Int16Array): Int16Array {
    if (this.inputRate === SPEECH_SAMPLE_RATE) return samples;
    const pending = concat(this.#pending, samples);
    const blocks = Math.floor((pending.length - this.#context) / this.#inputBlock);
    if (blocks < 1) {
      this.#pending = pending;
      return new Int16Array(0);
    }
    const ready = blocks * this.#inputBlock;
    const window = concat(this.#history, pending.subarray(0, ready + this.#context));
    const resampled = toMono16k({ sampleRate: this.inputRate, channels: 1, samples: window });
    const start = (this.#context / this.#inputBlock) * this.#outputBlock;
    const output = resampled.slice(start, start + blocks * this.#outputBlock);
    this.#history = window.slice(ready, ready + this.#context);
    this.#pending = pending.slice(ready);
    return output;
  }
}

function concat(first: Int16Array, second: Int16Array): Int16Array {
  if (first.length === 0) return second;
  if (second.length === 0) return first;
  const joined = new Int16Array(first.length + second.length);
  joined.set(first);
  joined.set(second, first.length);
  return joined;
}
