// Turns per-frame speech probabilities into speech-start and speech-end events, with hysteresis:
// speech starts after `minSpeechFrames` frames in a row at or above the positive threshold, and
// ends once `silenceMs` worth of frames fell below the negative threshold. Frames between the two
// thresholds neither count as silence nor break it, so a soft syllable does not end a turn.
import type { VoiceActivityEvent } from '../voice-activity-detector.ts';

export interface TurnTrackerOptions {
  frameSize: number;
  sampleRate: number;
  positiveThreshold: number;
  negativeThreshold: number;
  minSpeechFrames: number;
  silenceMs: number;
}

export class SileroTurnTracker {
  readonly #frameSeconds: number;
  readonly #silenceFrames: number;
  readonly #options: TurnTrackerOptions;
  #framesSeen = 0;
  #speaking = false;
  #speechRun = 0;
  #silenceRun = 0;
  /** Start time of the first frame of the current silence run. */
  #silenceStartedAt = 0;

  constructor(options: TurnTrackerOptions) {
    this.#options = options;
    this.#frameSeconds = options.frameSize / options.sampleRate;
    this.#silenceFrames = Math.max(
      1,
      Math.ceil((options.silenceMs / 1000) * (options.sampleRate / options.frameSize)),
    );
  }

  get speaking(): boolean {
    return this.#speaking;
  }

  /** Takes the next frame's probability; returns the events it decides. */
  push(probability: number): VoiceActivityEvent[] {
    const frameStart = this.#framesSeen * this.#frameSeconds;
    this.#framesSeen += 1;
    const { positiveThreshold, negativeThreshold, minSpeechFrames } = this.#options;
    if (!this.#speaking) {
      this.#speechRun = probability >= positiveThreshold ? this.#speechRun + 1 : 0;
      if (this.#speechRun < minSpeechFrames) return [];
      this.#speaking = true;
      this.#silenceRun = 0;
      // The onset is the first frame of the run, not the frame that confirmed it.
      const at = frameStart - (this.#speechRun - 1) * this.#frameSeconds;
      this.#speechRun = 0;
      return [{ type: 'speech-start', at: roundSeconds(at) }];
    }
    if (probability >= positiveThreshold) {
      this.#silenceRun = 0;
      return [];
    }
    if (probability >= negativeThreshold) return [];
    if (this.#silenceRun === 0) this.#silenceStartedAt = frameStart;
    this.#silenceRun += 1;
    if (this.#silenceRun < this.#silenceFrames) return [];
    this.#speaking = false;
    this.#silenceRun = 0;
    // `at` is where the speech stopped; the event itself comes `silenceMs` later.
    return [{ type: 'speech-end', at: roundSeconds(this.#silenceStartedAt) }];
  }

  reset(): void {
    this.#framesSeen = 0;
    this.#speaking = false;
    this.#speechRun = 0;
    this.#silenceRun = 0;
    this.#silenceStartedAt = 0;
  }
}

/** Microsecond precision: enough for timing, and free of float noise like 1.0240000000000002. */
function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
