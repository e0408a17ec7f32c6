import { caiError, type CaiError } from './errors.ts';
import { deferred, EventQueue } from './event-queue.ts';
import type { Frame } from './resumable-connection.ts';
import type { FinishReason, Usage } from './rest-types.ts';

// One doc 004 message and its streamed reply: the tokens as an async iterable, the whole reply as
// a promise. Keyed by its client_message_id, so resending it is harmless.

export interface ChatReplyResult {
  /** The assistant message's id. */
  messageId: string;
  chatId: string;
  content: string;
  finishReason: FinishReason;
  usage?: Usage;
  /** The server had answered this client_message_id before: this is the stored reply. */
  duplicate: boolean;
}

export class ChatReply implements AsyncIterable<string> {
  readonly clientMessageId: string;
  readonly content: string;
  /** The stored user message (message_received). */
  readonly received: Promise<{ messageId: string; duplicate: boolean }>;
  readonly result: Promise<ChatReplyResult>;
  /** The whole reply text, once it ends. */
  readonly text: Promise<string>;
  readonly #tokens = new EventQueue<string>();
  readonly #received = deferred<{ messageId: string; duplicate: boolean }>();
  readonly #result = deferred<ChatReplyResult>();
  #messageId: string | undefined;
  #streamed = '';
  #error: CaiError | undefined;
  #done = false;
  /** @internal */ written = false;
  /** @internal */ acknowledged = false;

  constructor(options: { clientMessageId: string; content: string }) {
    this.clientMessageId = options.clientMessageId;
    this.content = options.content;
    this.received = this.#received.promise;
    this.result = this.#result.promise;
    this.text = this.result.then((result) => result.content);
    this.text.catch(() => {});
  }

  /** The assistant message's id, once its stream started. */
  get messageId(): string | undefined {
    return this.#messageId;
  }

  /** The reply so far. */
  get streamed(): string {
    return this.#streamed;
  }

  get done(): boolean {
    return this.#done;
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return this.#tokens[Symbol.asyncIterator]();
  }

  /** @internal */
  handle(frame: Frame): void {
    if (this.#done) return;
    switch (frame['type']) {
      case 'message_received':
        this.acknowledged = true;
        this.#received.resolve({
          messageId: String(frame['message_id']),
          duplicate: frame['duplicate'] === true,
        });
        break;
      case 'message_stream_started':
        this.#messageId = String(frame['message_id']);
        break;
      case 'message_stream_token': {
        const token = String(frame['token'] ?? '');
        this.#streamed += token;
        this.#tokens.push(token);
        break;
      }
      case 'error':
        // A model failure is followed by message_stream_ended; remember why it failed.
        this.#error = errorFromFrame(frame);
        if (this.#messageId === undefined) this.fail(this.#error);
        break;
      case 'message_stream_ended':
        this.#end(frame);
        break;
    }
  }

  /** @internal */
  fail(error: CaiError): void {
    if (this.#done) return;
    this.#done = true;
    this.#received.reject(error);
    this.#result.reject(error);
    this.#tokens.end(error);
  }

  #end(frame: Frame): void {
    const finishReason = String(frame['finish_reason']) as FinishReason;
    const content = typeof frame['content'] === 'string' ? frame['content'] : this.#streamed;
    if (finishReason === 'error') {
      this.fail(
        this.#error ??
          caiError({
            code: 'MODEL_ERROR',
            message: 'The model failed while answering.',
            details: { partial: content },
          }),
      );
      return;
    }
    const messageId = String(frame['message_id']);
    this.#messageId ??= messageId;
    const duplicate = frame['duplicate'] === true;
    // A duplicate's stored reply comes whole: give it to a reader of the tokens too.
    if (duplicate && this.#streamed === '' && content !== '') this.#tokens.push(content);
    this.#done = true;
    this.#received.resolve({ messageId: '', duplicate });
    this.#result.resolve({
      messageId,
      chatId: String(frame['chat_id'] ?? ''),
      content,
      finishReason,
      ...(frame['usage'] === undefined ? {} : { usage: frame['usage'] as Usage }),
      duplicate,
    });
    this.#tokens.end();
  }
}

export function errorFromFrame(frame: Frame): CaiError {
  const details = frame['details'];
  const retryAfter =
    typeof details === 'object' && details !== null
      ? (details as Record<string, unknown>)['retry_after_ms']
      : undefined;
  return caiError({
    code: String(frame['code'] ?? 'INTERNAL_ERROR'),
    message: String(frame['message'] ?? 'Error'),
    ...(details === undefined ? {} : { details }),
    ...(typeof retryAfter === 'number' ? { retryAfterMs: retryAfter } : {}),
  });
}
