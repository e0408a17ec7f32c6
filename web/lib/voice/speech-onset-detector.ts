// The app's own ear for barge-in: the user has started speaking once the microphone's level stays
// above a threshold for a short while. The server hears the same audio (and stops sending the
// reply), but what already arrived would go on playing unless the app stops it at once.

export interface SpeechOnsetOptions {
  /** RMS level, 0..1, above which a frame counts as speech (about -30 dBFS). */
  threshold?: number;
  /** How long the level must stay up; shorter blips (a click, a cough) are ignored. */
  minimumSpeechMs?: number;
}

export class SpeechOnsetDetector {
  readonly #threshold: number;
  readonly #minimumSpeechMs: number;
  #speechMs = 0;
  #speaking = false;

  constructor(options: SpeechOnsetOptions = {}) {
    this.#threshold = options.threshold ?? 0.03;
    this.#minimumSpeechMs = options.minimumSpeechMs ?? 150;
  }

  /** One frame's level; true exactly once per stretch of speech, when it is first recognised. */
  push(level: number, frameMs: number): boolean {
    if (level < this.#threshold) {
      this.#speechMs = 0;
      this.#speaking = false;
      return false;
    }
    this.#speechMs += frameMs;
    if (this.#speaking || this.#speechMs < this.#minimumSpeechMs) return false;
    this.#speaking = true;
    return true;
  }
}
