// @ts-check
// The microphone's AudioWorklet: resamples what the browser captures (44.1 or 48 kHz, usually) to
// the rate cai wants (NEXT_PUBLIC_SAMPLE_RATE, 16 kHz) on the audio thread, and posts 20 ms chunks
// of 16-bit PCM with their level. Plain JavaScript because the browser loads it as it is; vitest
// imports the resampler from here too (the processor only registers inside an AudioWorklet).

/** Zero crossings of the windowed-sinc kernel on each side: enough for speech, cheap per sample. */
const ZERO_CROSSINGS = 8;
/** The low-pass sits a little under the output's Nyquist frequency, so nothing folds back. */
const PASSBAND = 0.92;

/**
 * A streaming band-limited resampler (windowed sinc): feed it blocks of any size, get the output
 * samples as soon as all the input they depend on has arrived. The stream starts from silence.
 */
export class StreamingResampler {
  /**
   * @param {number} inputRate
   * @param {number} outputRate
   */
  constructor(inputRate, outputRate) {
    /** Input samples per output sample. */
    this.step = inputRate / outputRate;
    /** The kernel's cutoff as a fraction of the input's Nyquist frequency. */
    this.cutoff = Math.min(1, 1 / this.step) * PASSBAND;
    this.halfWidth = Math.ceil(ZERO_CROSSINGS / this.cutoff);
    /** Input not yet consumed; `start` is the stream index of its first sample. */
    this.pending = new Float32Array(0);
    this.start = 0;
    /** Stream position (in input samples) of the next output sample. */
    this.position = 0;
    this.outputIndex = 0;
  }

  /**
   * @param {Float32Array} input samples in -1..1
   * @returns {Float32Array} the output samples now complete
   */
  process(input) {
    const joined = new Float32Array(this.pending.length + input.length);
    joined.set(this.pending);
    joined.set(input, this.pending.length);
    const available = this.start + joined.length;
    /** @type {number[]} */
    const output = [];
    while (Math.floor(this.position) + this.halfWidth < available) {
      output.push(this.sampleAt(joined, this.position));
      this.outputIndex += 1;
      this.position = this.outputIndex * this.step;
    }
    // Keep what the next outputs still reach back to.
    const keepFrom = Math.max(this.start, Math.floor(this.position) - this.halfWidth + 1);
    this.pending = joined.slice(keepFrom - this.start);
    this.start = keepFrom;
    return Float32Array.from(output);
  }

  /**
   * @param {Float32Array} samples the pending input, starting at stream index `this.start`
   * @param {number} position
   */
  sampleAt(samples, position) {
    const center = Math.floor(position);
    let sum = 0;
    let weights = 0;
    for (let index = center - this.halfWidth + 1; index <= center + this.halfWidth; index += 1) {
      const distance = position - index;
      const weight = this.kernel(distance);
      weights += weight;
      const offset = index - this.start;
      // Before the stream began there was silence.
      if (offset >= 0 && offset < samples.length) sum += (samples[offset] ?? 0) * weight;
    }
    // Normalised, so a constant level passes at exactly its level.
    return weights === 0 ? 0 : sum / weights;
  }

  /** @param {number} distance in input samples */
  kernel(distance) {
    const x = distance * this.cutoff;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const window = 0.5 * (1 + Math.cos((Math.PI * distance) / this.halfWidth));
    return Math.abs(distance) >= this.halfWidth ? 0 : this.cutoff * sinc * window;
  }
}

/**
 * Float samples → 16-bit PCM, clipped.
 * @param {Float32Array} samples
 */
export function toPcm16(samples) {
  const pcm = new Int16Array(samples.length);
  for (let index = 0; index < samples.length; index += 1) {
    const value = Math.max(-1, Math.min(1, samples[index] ?? 0));
    pcm[index] = value < 0 ? Math.round(value * 0x8000) : Math.round(value * 0x7fff);
  }
  return pcm;
}

/**
 * Root mean square, 0..1.
 * @param {Float32Array} samples
 */
export function rmsLevel(samples) {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / samples.length);
}

/**
 * Cuts a stream of samples into chunks of one size.
 */
export class ChunkCollector {
  /** @param {number} chunkSamples */
  constructor(chunkSamples) {
    this.chunkSamples = chunkSamples;
    this.buffer = new Float32Array(chunkSamples);
    this.filled = 0;
  }

  /**
   * @param {Float32Array} samples
   * @returns {Float32Array[]} the chunks completed by these samples
   */
  push(samples) {
    /** @type {Float32Array[]} */
    const chunks = [];
    let offset = 0;
    while (offset < samples.length) {
      const taken = Math.min(this.chunkSamples - this.filled, samples.length - offset);
      this.buffer.set(samples.subarray(offset, offset + taken), this.filled);
      this.filled += taken;
      offset += taken;
      if (this.filled === this.chunkSamples) {
        chunks.push(this.buffer);
        this.buffer = new Float32Array(this.chunkSamples);
        this.filled = 0;
      }
    }
    return chunks;
  }
}

// Inside an AudioWorklet only (the globals below exist nowhere else).
const worklet =
  /** @type {{ registerProcessor?: Function, AudioWorkletProcessor?: any, sampleRate?: number }} */ (
    globalThis
  );
if (typeof worklet.registerProcessor === 'function' && worklet.AudioWorkletProcessor !== undefined) {
  const contextRate = worklet.sampleRate ?? 48_000;

  class PcmCaptureProcessor extends worklet.AudioWorkletProcessor {
    /** @param {{ processorOptions?: { outputSampleRate?: number, chunkMilliseconds?: number } }} options */
    constructor(options) {
      super();
      const outputRate = options.processorOptions?.outputSampleRate ?? 16_000;
      const chunkMilliseconds = options.processorOptions?.chunkMilliseconds ?? 20;
      this.resampler = new StreamingResampler(contextRate, outputRate);
      this.collector = new ChunkCollector(Math.round((outputRate * chunkMilliseconds) / 1000));
      this.stopped = false;
      this.port.onmessage = (/** @type {MessageEvent} */ event) => {
        if (event.data === 'stop') this.stopped = true;
      };
    }

    /** @param {Float32Array[][]} inputs */
    process(inputs) {
      if (this.stopped) return false;
      // One channel: the node is made with channelCount 1, so Web Audio mixes the input down to mono.
      const channel = inputs[0]?.[0];
      if (channel !== undefined && channel.length > 0) {
        for (const chunk of this.collector.push(this.resampler.process(channel))) {
          const pcm = toPcm16(chunk);
          this.port.postMessage({ pcm, level: rmsLevel(chunk) }, [pcm.buffer]);
        }
      }
      return true;
    }
  }

  worklet.registerProcessor('pcm-capture', PcmCaptureProcessor);
}
