import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelayMs } from './backoff-delay.ts';
import { ModelError } from './chat-model.ts';
import type { ChatModel, ChatModelPart, ChatModelRequest } from './chat-model.ts';

// Retries, fallback and the between-chunk timeout around a chain of models, as one ChatModel.
// Before the first text delta nothing has reached the caller, so a failure may be retried (with
// backoff, or after the upstream's Retry-After) or handed to the next model in the chain. After it,
// the caller has shown text, so any failure is thrown to the caller as it is: never a silent end.

export interface ResiliencePolicy {
  /** Retries of one model before moving on (MODEL_MAX_RETRIES). */
  maxRetries: number;
  retryBaseDelayMs: number;
  /** Cap of one wait; a Retry-After longer than this moves on to the next model instead. */
  retryMaxDelayMs: number;
  /** Longest silence allowed between chunks, and before the first (MODEL_CHUNK_TIMEOUT_MS). */
  chunkTimeoutMs: number;
  /**
   * Longest wait for a reply asked for whole (`delivery: 'whole'`), which arrives in one piece at
   * the end (MODEL_REPLY_TIMEOUT_MS); chunkTimeoutMs when not set.
   */
  replyTimeoutMs?: number;
}

export interface ResilientChatModelOptions extends ResiliencePolicy {
  /** The requested model first, then its fallbacks. */
  chain: ChatModel[];
  /** Waits between retries; rejects when the signal aborts. */
  sleep?: (milliseconds: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Told of every failure that was retried or handed to the next model (for logs and metrics). */
  onRecoveredFailure?: (event: { model: string; error: ModelError; next: 'retry' | 'fallback' }) => void;
}

/**
 * Why an attempt's signal is aborted once the attempt is over, however it ended: one shared reason,
 * since making a DOMException per call (it captures a stack) cost ~2% of a request's CPU.
 */
const CALL_OVER = new DOMException('The call is over.', 'AbortError');

const ignoreFailure = () => undefined;

/** One options object for every attempt's listener on the caller's signal. */
const ONCE = { once: true } as const;

/** Kinds worth trying on another model: the upstream, not the request, is at fault. */
const FALLBACK_KINDS: ReadonlySet<ModelError['kind']> = new Set([
  'rate-limited',
  'upstream',
  'timeout',
  'invalid-response',
]);
/** Kinds worth trying again on the same model; a stall is not retried, it moves on. */
const RETRY_KINDS: ReadonlySet<ModelError['kind']> = new Set(['rate-limited', 'upstream']);

export class ResilientChatModel implements ChatModel {
  readonly name: string;
  readonly provider: string;
  readonly chain: readonly ChatModel[];
  readonly #options: ResilientChatModelOptions;

  constructor(options: ResilientChatModelOptions) {
    const [first] = options.chain;
    if (!first) throw new Error('ResilientChatModel needs at least one model');
    this.name = first.name;
    this.provider = first.provider;
    this.chain = options.chain;
    this.#options = options;
  }

  async *stream(request: ChatModelRequest): AsyncGenerator<ChatModelPart> {
    const sleep = this.#options.sleep ?? defaultSleep;
    let lastError: ModelError | undefined;
    for (const model of this.chain) {
      for (let attempt = 0; ; attempt += 1) {
        let started = false;
        try {
          // The call's parts are read here, not through a generator of the call's own: each
          // async generator layer cost about 600 bytes per part (its promises and results).
          const call = new ModelCall({ model, request, timeoutMs: this.#timeoutMs(request) });
          try {
            while (true) {
              call.beforeRead();
              let result: IteratorResult<ChatModelPart>;
              try {
                result = await call.iterator.next();
              } catch (error) {
                throw call.failure(error);
              }
              if (result.done) {
                call.end();
                break;
              }
              const part = call.passOn(result.value);
              if (part.type === 'text-delta') started = true;
              yield part;
            }
          } finally {
            // Before any wait for a retry: the upstream call is torn down however it ended.
            call.close();
          }
          return;
        } catch (error) {
          const failure = asModelError(error, model.name);
          if (started || failure.kind === 'aborted' || request.signal.aborted) throw failure;
          lastError = failure;
          const wait = this.#retryDelay({ failure, attempt });
          if (wait !== undefined) {
            this.#options.onRecoveredFailure?.({ model: model.name, error: failure, next: 'retry' });
            await sleep(wait, request.signal).catch(() => {
              throw abortedError(model.name);
            });
            continue;
          }
          if (!FALLBACK_KINDS.has(failure.kind)) throw failure;
          this.#options.onRecoveredFailure?.({ model: model.name, error: failure, next: 'fallback' });
          break;
        }
      }
    }
    throw lastError ?? new ModelError({ kind: 'upstream', message: 'No model answered.', retryable: true });
  }

  /** A reply asked for whole arrives in one piece at the end: it may take the longer wait. */
  #timeoutMs(request: ChatModelRequest): number {
    return request.delivery === 'whole'
      ? (this.#options.replyTimeoutMs ?? this.#options.chunkTimeoutMs)
      : this.#options.chunkTimeoutMs;
  }

  #retryDelay(options: { failure: ModelError; attempt: number }): number | undefined {
    const { failure, attempt } = options;
    const policy = this.#options;
    if (!failure.retryable || !RETRY_KINDS.has(failure.kind) || attempt >= policy.maxRetries)
      return undefined;
    if (failure.retryAfterMs !== undefined) {
      return failure.retryAfterMs <= policy.retryMaxDelayMs ? failure.retryAfterMs : undefined;
    }
    return backoffDelayMs({
      attempt,
      baseDelayMs: policy.retryBaseDelayMs,
      maxDelayMs: policy.retryMaxDelayMs,
      random: policy.random,
    });
  }
}

/**
 * One call to one model, with the chunk timeout; the upstream call is torn down by close(),
 * however it ends. One timer per call, pushed back before each read (cheaper than a timer per
 * chunk): when it fires it aborts the call, which ends the pending read at once.
 */
class ModelCall {
  readonly iterator: AsyncIterator<ChatModelPart>;
  readonly #model: ChatModel;
  readonly #request: ChatModelRequest;
  readonly #timeoutMs: number;
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #abort = () => this.#controller.abort(this.#request.signal.reason);
  #timedOut = false;
  #finished = false;
  /** The model's stream ran to its end: nothing left to tear down. */
  #exhausted = false;

  constructor(options: { model: ChatModel; request: ChatModelRequest; timeoutMs: number }) {
    const { model, request, timeoutMs } = options;
    this.#model = model;
    this.#request = request;
    this.#timeoutMs = timeoutMs;
    if (request.signal.aborted) this.#abort();
    request.signal.addEventListener('abort', this.#abort, ONCE);
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(new DOMException('No data before the chunk timeout.', 'TimeoutError'));
    }, timeoutMs);
    this.iterator = model.stream({ ...request, signal: this.#controller.signal })[Symbol.asyncIterator]();
  }

  /** The chunk timeout counts from now. */
  beforeRead(): void {
    this.#timer.refresh();
  }

  /** What a failed read is reported as. */
  failure(error: unknown): unknown {
    if (this.#timedOut) {
      return new ModelError({
        kind: 'timeout',
        message: `${this.#model.name}: no data for ${this.#timeoutMs} ms`,
        retryable: true,
      });
    }
    if (this.#request.signal.aborted) return abortedError(this.#model.name);
    return error;
  }

  /** A part as it is passed on: the finish names the model that answered. */
  passOn(part: ChatModelPart): ChatModelPart {
    if (part.type === 'text-delta') return part;
    this.#finished = true;
    // A copy only when the finish does not name its model (most do).
    return part.model === undefined ? { ...part, model: this.#model.name } : part;
  }

  /** The model's stream ended; it must have finished first. */
  end(): void {
    this.#exhausted = true;
    if (!this.#finished) {
      throw new ModelError({
        kind: 'invalid-response',
        message: `${this.#model.name}: the stream ended before it finished`,
        retryable: false,
      });
    }
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#request.signal.removeEventListener('abort', this.#abort);
    // A stream that ran to its end has let go of its signal: aborting it would only make and
    // dispatch an Event nobody listens to (~12 µs of every reply). Otherwise the abort tears down
    // whatever the model still holds (its request, its listeners).
    if (this.#exhausted) return;
    this.#controller.abort(CALL_OVER);
    void this.iterator.return?.()?.catch(ignoreFailure);
  }
}

function asModelError(error: unknown, model: string): ModelError {
  if (error instanceof ModelError) return error;
  return new ModelError({
    kind: 'upstream',
    message: `${model}: ${error instanceof Error ? error.message : String(error)}`,
    retryable: false,
    cause: error,
  });
}

function abortedError(model: string): ModelError {
  return new ModelError({ kind: 'aborted', message: `${model}: the call was aborted`, retryable: false });
}

async function defaultSleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  await delay(milliseconds, undefined, { signal });
}
