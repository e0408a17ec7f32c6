// Keeps the audio of one utterance for speech-to-text. The detector reports speech-start a few
// frames after the speech began (it waits to be sure), and a soft first consonant sits below its
// threshold anyway, so the recording reaches back `preRollSeconds` before the onset it reports.
// Likewise speech-end comes `silenceMs` after the speech stopped: the recording ends
// `postRollSeconds` after the point the detector names, not with all that silence.
// Times are seconds from the start of the stream, as the detector counts them.

export interface UtteranceRecorderOptions {
  sampleRate: number;
  /** Audio kept from before the reported onset (default 0.3 s). */
  preRollSeconds?: number;
  /** Audio kept after the reported end of speech (default 0.3 s). */
  postRollSeconds?: number;
  /**
   * How far back the recent audio reaches while no one speaks: the pre-roll plus the detector's
   * confirmation delay (default 1 s).
   */
  lookbackSeconds?: number;
}

interface Frame {
  /** Position of the first sample in the stream. */
  start: number;
  samples: Int16Array;
}

export class UtteranceRecorder {
  readonly #sampleRate: number;
  readonly #preRoll: number;
  readonly #postRoll: number;
  readonly #lookback: number;
  /** Recent frames while listening; the utterance's frames while recording. */
  #frames: Frame[] = [];
  #position = 0;
  #recording = false;
  /** Stream position the current recording starts at. */
  #recordingStart = 0;

  constructor(options: UtteranceRecorderOptions) {
    this.#sampleRate = options.sampleRate;
    this.#preRoll = Math.round((options.preRollSeconds ?? 0.3) * options.sampleRate);
    this.#postRoll = Math.round((options.postRollSeconds ?? 0.3) * options.sampleRate);
    this.#lookback = Math.round((options.lookbackSeconds ?? 1) * options.sampleRate);
  }

  get recording(): boolean {
    return this.#recording;
  }

  /** Seconds recorded so far in the current utterance. */
  get recordedSeconds(): number {
    return this.#recording ? (this.#position - this.#recordingStart) / this.#sampleRate : 0;
  }

  /** The next frame of the stream, in the order the detector saw them. */
  push(samples: Int16Array): void {
    this.#frames.push({ start: this.#position, samples });
    this.#position += samples.length;
    if (this.#recording) return;
    while (this.#frames.length > 1 && this.#position - this.#frames[1]!.start >= this.#lookback) {
      this.#frames.shift();
    }
  }

  /** Speech began at `atSeconds`: the recording starts `preRollSeconds` before it. */
  start(atSeconds: number): void {
    const from = Math.max(0, Math.round(atSeconds * this.#sampleRate) - this.#preRoll);
    this.#frames = this.#frames.filter((frame) => frame.start + frame.samples.length > from);
    this.#recordingStart = Math.max(from, this.#frames[0]?.start ?? this.#position);
    this.#recording = true;
  }

  /** Goes on recording from here, without pre-roll (after an utterance cut at the length cap). */
  continueRecording(): void {
    this.#frames = [];
    this.#recordingStart = this.#position;
    this.#recording = true;
  }

  /**
   * Ends the recording and answers its samples: up to `postRollSeconds` after `atSeconds` when
   * given (speech-end), else everything so far (an utterance cut at the length cap).
   */
  finish(atSeconds?: number): Int16Array {
    const end =
      atSeconds === undefined
        ? this.#position
        : Math.min(this.#position, Math.round(atSeconds * this.#sampleRate) + this.#postRoll);
    const start = this.#recordingStart;
    const samples = new Int16Array(Math.max(0, end - start));
    for (const frame of this.#frames) {
      const from = Math.max(start, frame.start);
      const to = Math.min(end, frame.start + frame.samples.length);
      if (to > from) samples.set(frame.samples.subarray(from - frame.start, to - frame.start), from - start);
    }
    this.#recording = false;
    this.#frames = [];
    return samples;
  }

  /** Forgets everything; positions count from 0 again (the detector was reset too). */
  reset(): void {
    this.#frames = [];
    this.#position = 0;
    this.#recording = false;
    this.#recordingStart = 0;
  }
}
