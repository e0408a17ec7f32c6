// The text-to-speech port: audio comes out in chunks so the first can be played before the last exists.

export interface AudioChunk {
  /** Mono signed 16-bit samples. */
  samples: Int16Array;
  sampleRate: number;
}

export interface SynthesizeRequest {
  text: string;
  /** Engine-specific voice name; the engine's default when absent. */
  voice?: string;
  /** 1 is the engine's normal rate, 2 twice as fast. */
  speed?: number;
  signal: AbortSignal;
}

export interface TextToSpeech {
  readonly name: string;
  synthesize(request: SynthesizeRequest): AsyncIterable<AudioChunk>;
}
