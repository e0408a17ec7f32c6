// A cloud engine whose module, and with it the vendor's SDK, is imported on its first call: a server
// with a key set pays for the SDK only once a voice request uses that provider. Its name is given
// up front, since /health and a request's `provider` need it without loading anything.
import type { SpeechToText, TranscribeRequest, Transcript } from './speech-to-text.ts';
import type { AudioChunk, SynthesizeRequest, TextToSpeech } from './text-to-speech.ts';

export interface LazyEngineOptions<Engine> {
  name: string;
  load: () => Promise<Engine>;
}

/** Runs `load` once; a load that failed is forgotten, so that the next call tries again. */
function once<Engine>(load: () => Promise<Engine>): () => Promise<Engine> {
  let loading: Promise<Engine> | undefined;
  return () => {
    if (loading !== undefined) return loading;
    const started = load();
    loading = started;
    started.catch(() => {
      if (loading === started) loading = undefined;
    });
    return started;
  };
}

export class LazySpeechToText implements SpeechToText {
  readonly name: string;
  readonly #engine: () => Promise<SpeechToText>;

  constructor(options: LazyEngineOptions<SpeechToText>) {
    this.name = options.name;
    this.#engine = once(options.load);
  }

  async transcribe(request: TranscribeRequest): Promise<Transcript> {
    return (await this.#engine()).transcribe(request);
  }
}

export class LazyTextToSpeech implements TextToSpeech {
  readonly name: string;
  readonly #engine: () => Promise<TextToSpeech>;

  constructor(options: LazyEngineOptions<TextToSpeech>) {
    this.name = options.name;
    this.#engine = once(options.load);
  }

  async *synthesize(request: SynthesizeRequest): AsyncIterable<AudioChunk> {
    yield* (await this.#engine()).synthesize(request);
  }
}
