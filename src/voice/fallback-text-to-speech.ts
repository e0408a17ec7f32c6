// Several text-to-speech engines behind one (after LiveKit agents' FallbackAdapter): the first is
// asked, and when it fails before its first audio chunk in a way another engine could fix
// (fallback-policy.ts), the next one speaks the text instead. Once audio has gone out a failure is
// final: the listener would hear the sentence twice, in two voices.
import { toAppError } from '../core/errors.ts';
import type { ChecksAvailability, EngineAvailability } from './engine-availability.ts';
import { canFallBack, chainAvailability, chainName } from './fallback-policy.ts';
import type { FallbackEvent, FallbackOptions } from './fallback-policy.ts';
import type { AudioChunk, SynthesizeRequest, TextToSpeech } from './text-to-speech.ts';

export class FallbackTextToSpeech implements TextToSpeech, ChecksAvailability {
  readonly name: string;
  readonly #engines: ReadonlyArray<TextToSpeech & ChecksAvailability>;
  readonly #onFallback: ((event: FallbackEvent) => void) | undefined;

  constructor(options: FallbackOptions<TextToSpeech>) {
    if (options.engines.length === 0) throw new Error('A fallback chain needs at least one engine.');
    this.#engines = options.engines;
    this.#onFallback = options.onFallback;
    this.name = chainName(options.engines);
  }

  async *synthesize(request: SynthesizeRequest): AsyncIterable<AudioChunk> {
    let firstError: unknown;
    for (const [index, engine] of this.#engines.entries()) {
      // A voice id means something to one vendor only: the engines after the first use their own default.
      const attempt = index === 0 ? request : { ...request, voice: undefined };
      const chunks = engine.synthesize(attempt)[Symbol.asyncIterator]();
      let first: IteratorResult<AudioChunk>;
      try {
        first = await chunks.next();
      } catch (error) {
        const next = this.#engines[index + 1];
        if (next === undefined || !canFallBack(error, request.signal)) throw firstError ?? error;
        firstError ??= error;
        this.#onFallback?.({ from: engine.name, to: next.name, error: toAppError(error) });
        continue;
      }
      if (first.done) return;
      try {
        yield first.value;
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
      } finally {
        // A consumer that stops early must stop the engine too (a child process, an HTTP call).
        await chunks.return?.();
      }
      return;
    }
  }

  availability(): Promise<EngineAvailability> {
    return chainAvailability(this.name, this.#engines);
  }
}
