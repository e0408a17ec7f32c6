// The voice activity detection port. Implementations (Silero) come later; the voice session is
// written against this so that turn-taking can be tested with a scripted detector.

export type VoiceActivityEvent =
  | { type: 'speech-start'; /** Seconds from the start of the stream. */ at: number }
  | { type: 'speech-end'; at: number };

export interface VoiceActivityResult {
  /** 0..1: how likely this frame holds speech. */
  probability: number;
  /** Transitions decided with this frame, after the detector's own smoothing. */
  events: VoiceActivityEvent[];
}

export interface VoiceActivityDetector {
  /** Samples per frame the detector expects, at `sampleRate`. */
  readonly frameSize: number;
  readonly sampleRate: number;
  /** One frame of mono signed 16-bit samples, in stream order. */
  process(frame: Int16Array): Promise<VoiceActivityResult>;
  /** Forget the stream so far (a new utterance or a new connection). */
  reset(): void;
}
