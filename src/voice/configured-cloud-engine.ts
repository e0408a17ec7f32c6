// A cloud engine is available when it is configured (its key is set). It is not probed over the
// network: a probe would be a billable call on every /health, and a refused key or an outage shows up
// as a failed request, which the fallback chain covers.
import type { ChecksAvailability, EngineAvailability } from './engine-availability.ts';
import type { SpeechToText, TranscribeRequest, Transcript } from './speech-to-text.ts';
import type { AudioChunk, SynthesizeRequest, TextToSpeech } from './text-to-speech.ts';

function configured(name: string): Promise<EngineAvailability> {
  return Promise.resolve({ available: true, engine: name });
}

export class ConfiguredCloudSpeechToText implements SpeechToText, ChecksAvailability {
  readonly name: string;
  readonly #engine: SpeechToText;

  constructor(engine: SpeechToText) {
    this.name = engine.name;
    this.#engine = engine;
  }

  transcribe(request: TranscribeRequest): Promise<Transcript> {
    return this.#engine.transcribe(request);
  }

  availability(): Promise<EngineAvailability> {
    return configured(this.name);
  }
}

export class ConfiguredCloudTextToSpeech implements TextToSpeech, ChecksAvailability {
  readonly name: string;
  readonly #engine: TextToSpeech;

  constructor(engine: TextToSpeech) {
    this.name = engine.name;
    this.#engine = engine;
  }

  synthesize(request: SynthesizeRequest): AsyncIterable<AudioChunk> {
    return this.#engine.synthesize(request);
  }

  availability(): Promise<EngineAvailability> {
    return configured(this.name);
  }
}
