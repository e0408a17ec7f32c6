// The speech-to-text port: local engines and cloud providers implement it; nothing else is assumed.

export interface TranscriptWord {
  word: string;
  /** Seconds from the start of the clip. */
  start: number;
  end: number;
  /** 0..1 where the engine reports it. */
  confidence?: number;
  /** Who said it (0, 1, …), when diarization was asked for and the engine does it. */
  speaker?: number;
}

export interface Transcript {
  text: string;
  language: string;
  durationSeconds: number;
  words?: TranscriptWord[];
  /** The engine that produced it, set where a wrapper (a fallback chain) chose among several. */
  engine?: string;
}

export interface TranscribeRequest {
  /** 16 kHz mono signed 16-bit samples. */
  audio: Int16Array;
  /** BCP 47 tag (`en`, `en-US`); the engine's own language when absent. */
  language?: string;
  /** What doc 002's `/voice/stt` asks of the transcript; engines apply what they can (docs/voice.md). */
  options?: TranscriptionOptions;
  signal: AbortSignal;
}

export interface TranscriptionOptions {
  /** Tell speakers apart: each word gets a `speaker`. */
  diarize?: boolean;
  /** Add punctuation and capitals (on by default where the engine has it). */
  punctuate?: boolean;
  /** Mask profanity in the transcript. */
  profanityFilter?: boolean;
}

export interface SpeechToText {
  readonly name: string;
  transcribe(request: TranscribeRequest): Promise<Transcript>;
}

export const SPEECH_TO_TEXT_SAMPLE_RATE = 16_000;
