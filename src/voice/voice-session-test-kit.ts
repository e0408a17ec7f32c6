// For voice-session and voice-protocol tests: scripted engines that follow the ports exactly and
// let a test decide what is heard, when an engine answers, and whether it fails, plus audio made
// of loud and quiet stretches that the scripted detector tells apart.
import type { ChecksAvailability, EngineAvailability } from './engine-availability.ts';
import type { SpeechToText, TranscribeRequest, Transcript } from './speech-to-text.ts';
import type { AudioChunk, SynthesizeRequest, TextToSpeech } from './text-to-speech.ts';
import type {
  VoiceActivityDetector,
  VoiceActivityEvent,
  VoiceActivityResult,
} from './voice-activity-detector.ts';
import { writeWav } from './audio/wav.ts';
import { VoiceEngines } from './voice-engines.ts';

export const TEST_SAMPLE_RATE = 16_000;
const LOUD_AMPLITUDE = 8000;
const LOUDNESS_THRESHOLD = 1000;

/** A barrier a scripted engine waits at until the test opens it; an abort rejects the wait. */
export class Gate {
  #open = false;
  #waiters: Array<() => void> = [];

  open(): void {
    this.#open = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  wait(signal: AbortSignal): Promise<void> {
    if (this.#open) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason ?? new Error('aborted'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
}

/**
 * Speech is a frame whose mean level is at least LOUDNESS_THRESHOLD: speech-start on the first
 * loud frame, speech-end after `silenceFrames` quiet ones (at the first of them), like Silero's
 * turn tracker with a perfect model.
 */
export class ScriptedVoiceActivityDetector implements VoiceActivityDetector {
  readonly frameSize = 512;
  readonly sampleRate = TEST_SAMPLE_RATE;
  readonly #silenceFrames: number;
  /** While set, frames wait here: audio piles up unprocessed. */
  gate: Gate | undefined;
  frames = 0;
  #speaking = false;
  #quietRun = 0;
  #quietStart = 0;

  constructor(options: { silenceFrames?: number } = {}) {
    this.#silenceFrames = options.silenceFrames ?? 3;
  }

  async process(frame: Int16Array): Promise<VoiceActivityResult> {
    if (frame.length !== this.frameSize) throw new Error(`frame of ${frame.length} samples`);
    await this.gate?.wait(new AbortController().signal);
    const start = this.frames / (this.sampleRate / this.frameSize);
    this.frames += 1;
    let level = 0;
    for (const sample of frame) level += Math.abs(sample);
    const loud = level / frame.length >= LOUDNESS_THRESHOLD;
    const events: VoiceActivityEvent[] = [];
    if (!this.#speaking) {
      if (loud) {
        this.#speaking = true;
        this.#quietRun = 0;
        events.push({ type: 'speech-start', at: start });
      }
    } else if (loud) {
      this.#quietRun = 0;
    } else {
      if (this.#quietRun === 0) this.#quietStart = start;
      this.#quietRun += 1;
      if (this.#quietRun >= this.#silenceFrames) {
        this.#speaking = false;
        this.#quietRun = 0;
        events.push({ type: 'speech-end', at: this.#quietStart });
      }
    }
    return { probability: loud ? 0.9 : 0.05, events };
  }

  reset(): void {
    this.frames = 0;
    this.#speaking = false;
    this.#quietRun = 0;
  }
}

/** Hears the next scripted text on each call (then nothing); can be held at a gate or made to fail. */
export class ScriptedSpeechToText implements SpeechToText, ChecksAvailability {
  readonly name = 'scripted-stt';
  readonly requests: TranscribeRequest[] = [];
  readonly #texts: string[];
  gate: Gate | undefined;
  failure: Error | undefined;
  available = true;

  constructor(texts: string[] = []) {
    this.#texts = [...texts];
  }

  async transcribe(request: TranscribeRequest): Promise<Transcript> {
    this.requests.push(request);
    await this.gate?.wait(request.signal);
    if (this.failure !== undefined) throw this.failure;
    return {
      text: this.#texts.shift() ?? '',
      language: 'en',
      durationSeconds: request.audio.length / TEST_SAMPLE_RATE,
    };
  }

  async availability(): Promise<EngineAvailability> {
    return this.available
      ? { available: true, engine: this.name }
      : {
          available: false,
          engine: this.name,
          reason: 'not installed',
          install: 'apt-get install scripted-stt',
        };
  }
}

/** Speaks a 440 Hz tone, 100 samples per character at 22 050 Hz (espeak-ng's rate), in two chunks. */
export class ScriptedTextToSpeech implements TextToSpeech, ChecksAvailability {
  readonly name = 'scripted-tts';
  readonly sampleRate = 22_050;
  readonly requests: SynthesizeRequest[] = [];
  gate: Gate | undefined;
  failure: Error | undefined;

  async *synthesize(request: SynthesizeRequest): AsyncIterable<AudioChunk> {
    this.requests.push(request);
    const samples = tone(request.text.length * 100, this.sampleRate);
    const half = Math.floor(samples.length / 2);
    yield { samples: samples.slice(0, half), sampleRate: this.sampleRate };
    await this.gate?.wait(request.signal);
    if (this.failure !== undefined) throw this.failure;
    yield { samples: samples.slice(half), sampleRate: this.sampleRate };
  }

  async availability(): Promise<EngineAvailability> {
    return { available: true, engine: this.name };
  }
}

export interface ScriptedEngines {
  engines: VoiceEngines;
  speechToText: ScriptedSpeechToText;
  textToSpeech: ScriptedTextToSpeech;
  /** Every detector handed out, newest last. */
  detectors: ScriptedVoiceActivityDetector[];
}

export function scriptedVoiceEngines(heard: string[] = []): ScriptedEngines {
  const speechToText = new ScriptedSpeechToText(heard);
  const textToSpeech = new ScriptedTextToSpeech();
  const detectors: ScriptedVoiceActivityDetector[] = [];
  const engines = new VoiceEngines({
    speechToText,
    textToSpeech,
    voiceActivityDetection: {
      create: () => {
        const detector = new ScriptedVoiceActivityDetector();
        detectors.push(detector);
        return detector;
      },
      availability: async () => ({ available: true, engine: 'scripted-vad' }),
    },
    availabilityCacheMs: 0,
  });
  return { engines, speechToText, textToSpeech, detectors };
}

export function tone(length: number, sampleRate: number, amplitude = LOUD_AMPLITUDE): Int16Array {
  const samples = new Int16Array(length);
  for (let index = 0; index < length; index += 1) {
    samples[index] = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * index) / sampleRate));
  }
  return samples;
}

/** Loud ("speech") and quiet stretches at 16 kHz: `[['speech', 0.5], ['silence', 0.3]]`. */
export function stretches(parts: Array<['speech' | 'silence', number]>): Int16Array {
  const pieces = parts.map(([kind, seconds]) => {
    const length = Math.round(seconds * TEST_SAMPLE_RATE);
    return kind === 'speech' ? tone(length, TEST_SAMPLE_RATE) : new Int16Array(length);
  });
  const joined = new Int16Array(pieces.reduce((total, piece) => total + piece.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    joined.set(piece, offset);
    offset += piece.length;
  }
  return joined;
}

/** Headerless 16-bit little-endian PCM, base64, cut into chunks of `chunkSamples`. */
export function pcmChunks(samples: Int16Array, chunkSamples = 320): string[] {
  const chunks: string[] = [];
  for (let offset = 0; offset < samples.length; offset += chunkSamples) {
    const piece = samples.subarray(offset, offset + chunkSamples);
    const bytes = Buffer.alloc(piece.length * 2);
    piece.forEach((sample, index) => bytes.writeInt16LE(sample, index * 2));
    chunks.push(bytes.toString('base64'));
  }
  return chunks;
}

/** Each chunk a WAV of its own (as a browser recorder sends them), base64. */
export function wavChunks(
  samples: Int16Array,
  options: { sampleRate: number; channels?: number; chunkFrames: number },
): string[] {
  const channels = options.channels ?? 1;
  const chunks: string[] = [];
  const step = options.chunkFrames * channels;
  for (let offset = 0; offset < samples.length; offset += step) {
    const wav = writeWav({
      sampleRate: options.sampleRate,
      channels,
      samples: samples.subarray(offset, offset + step),
    });
    chunks.push(Buffer.from(wav).toString('base64'));
  }
  return chunks;
}
