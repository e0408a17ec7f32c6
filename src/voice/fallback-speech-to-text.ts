// Several speech-to-text engines behind one (after LiveKit agents' FallbackAdapter): the first is
// asked, and when it fails in a way another engine could fix (fallback-policy.ts), the next one
// hears the same audio. The transcript says which engine produced it.
import { toAppError } from '../core/errors.ts';
import type { ChecksAvailability, EngineAvailability } from './engine-availability.ts';
import { canFallBack, chainAvailability, chainName } from './fallback-policy.ts';
import type { FallbackEvent, FallbackOptions } from './fallback-policy.ts';
import type { SpeechToText, TranscribeRequest, Transcript } from './speech-to-text.ts';

export class FallbackSpeechToText implements SpeechToText, ChecksAvailability {
  readonly name: string;
  readonly #engines: ReadonlyArray<SpeechToText & ChecksAvailability>;
  readonly #onFallback: ((event: FallbackEvent) => void) | undefined;

  constructor(options: FallbackOptions<SpeechToText>) {
    if (options.engines.length === 0) throw new Error('A fallback chain needs at least one engine.');
    this.#engines = options.engines;
    this.#onFallback = options.onFallback;
    this.name = chainName(options.engines);
  }

  async transcribe(request: TranscribeRequest): Promise<Transcript> {
    let firstError: unknown;
    for (const [index, engine] of this.#engines.entries()) {
      try {
        const transcript = await engine.transcribe(request);
        return { ...transcript, engine: transcript.engine ?? engine.name };
      } catch (error) {
        const next = this.#engines[index + 1];
        // When every engine failed, the first one's error explains it: it is the configured one.
        if (next === undefined || !canFallBack(error, request.signal)) throw firstError ?? error;
        firstError ??= error;
        this.#onFallback?.({ from: engine.name, to: next.name, error: toAppError(error) });
      }
    }
    // Unreachable: the loop returns or throws on its last engine.
    throw firstError;
  }

  availability(): Promise<EngineAvailability> {
    return chainAvailability(this.name, this.#engines);
  }
}
