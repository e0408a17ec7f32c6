import { caiError, type CaiError } from './errors.ts';
import { deferred, EventQueue } from './event-queue.ts';
import type { Frame } from './resumable-connection.ts';
import type { FinishReason, Usage } from './rest-types.ts';

// One doc 000 completion in flight: its chunks and sentences as an async iterable, its whole text
// as a promise, and the controls the protocol offers for it (barge-in, sentence acknowledgements,
// pull-based pacing).

export type CompletionEvent =
  { type: 'chunk'; text: string } | { type: 'sentence'; index: number; text: string };

export interface CompletionResult {
  requestId: string;
  conversationId: string;
  /** The whole reply: the chunks concatenated (truncated when interrupted). */
  text: string;
  finishReason: FinishReason;
  usage?: Usage;
}

export class Completion implements AsyncIterable<CompletionEvent> {
  readonly requestId: string;
  /** Resolves when the server has started it (COMPLETION_STARTED). */
  readonly started: Promise<{ conversationId: string }>;
  /** Resolves when it ends (stop, length, interrupted); rejects with a CaiError on an error. */
  readonly result: Promise<CompletionResult>;
  /** The whole text, once it ends. */
  readonly text: Promise<string>;
  readonly #send: (frame: Frame) => void;
  readonly #events = new EventQueue<CompletionEvent>();
  readonly #started = deferred<{ conversationId: string }>();
  readonly #result = deferred<CompletionResult>();
  #received = '';
  #conversationId: string | undefined;
  #done = false;
  /** Whether the COMPLETION frame went out on a socket (a resume failure then loses it). */
  written = false;

  constructor(options: { requestId: string; send: (frame: Frame) => void }) {
    this.requestId = options.requestId;
    this.#send = options.send;
    this.started = this.#started.promise;
    this.result = this.#result.promise;
    this.text = this.result.then((result) => result.text);
    this.text.catch(() => {});
  }

  get conversationId(): string | undefined {
    return this.#conversationId;
  }

  /** The text received so far. */
  get received(): string {
    return this.#received;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Barge-in: the server aborts the model at once and ends this with finishReason "interrupted". */
  interrupt(): void {
    if (!this.#done) this.#send({ type: 'INTERRUPTED', requestId: this.requestId });
  }

  /** The user heard sentence `index`: an interrupted reply is stored up to what was acknowledged. */
  acknowledge(index: number): void {
    if (!this.#done) this.#send({ type: 'SENTENCE_COMPLETED', requestId: this.requestId, index });
  }

  /** With pace "sentence": ask for the next sentence. */
  more(): void {
    if (!this.#done) this.#send({ type: 'AWAIT_MORE', requestId: this.requestId });
  }

  [Symbol.asyncIterator](): AsyncIterator<CompletionEvent> {
    return this.#events[Symbol.asyncIterator]();
  }

  /** Just the text chunks, as they arrive. */
  async *chunks(): AsyncGenerator<string, void, undefined> {
    for await (const event of this) if (event.type === 'chunk') yield event.text;
  }

  /** @internal A frame with this completion's requestId. */
  handle(frame: Frame): void {
    if (this.#done) return;
    switch (frame['type']) {
      case 'COMPLETION_STARTED':
        this.#conversationId = String(frame['conversationId']);
        this.#started.resolve({ conversationId: this.#conversationId });
        break;
      case 'COMPLETION_CHUNK': {
        const text = String(frame['text'] ?? '');
        this.#received += text;
        this.#events.push({ type: 'chunk', text });
        break;
      }
      case 'SENTENCE':
        this.#events.push({
          type: 'sentence',
          index: Number(frame['index']),
          text: String(frame['text'] ?? ''),
        });
        break;
      case 'COMPLETION_ENDED':
        this.#end(frame);
        break;
    }
  }

  /** @internal Ends it with an error (ERROR for it, a lost session, a closed socket). */
  fail(error: CaiError): void {
    if (this.#done) return;
    this.#done = true;
    this.#started.reject(error);
    this.#result.reject(error);
    this.#events.end(error);
  }

  #end(frame: Frame): void {
    const finishReason = String(frame['finishReason']) as FinishReason;
    const text = typeof frame['text'] === 'string' ? frame['text'] : this.#received;
    if (finishReason === 'error') {
      this.fail(
        caiError({
          code: 'MODEL_ERROR',
          message: 'The model failed while answering.',
          requestId: this.requestId,
          details: { partial: text },
        }),
      );
      return;
    }
    this.#done = true;
    const conversationId = this.#conversationId ?? '';
    this.#started.resolve({ conversationId });
    this.#result.resolve({
      requestId: this.requestId,
      conversationId,
      text,
      finishReason,
      ...(frame['usage'] === undefined ? {} : { usage: frame['usage'] as Usage }),
    });
    this.#events.end();
  }
}
