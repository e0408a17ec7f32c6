import type { ChatModel, ChatModelMessage, ChatModelPart } from '../models/chat-model.ts';
import { ModelError } from '../models/chat-model.ts';
import type { Store } from '../store/store.ts';
import type { Message, MessageStatus, Scope, Usage } from './domain.ts';
import { isAppError } from './errors.ts';
import { EventQueue } from './event-queue.ts';
import { SentenceSegmenter } from './sentence-segmenter.ts';
import type { TurnEvent, TurnFinishReason } from './turn-events.ts';
import type { LiveTurn, TurnEndEvent } from './turn.ts';

export interface EngineLogger {
  warn(bindings: object, message: string): void;
  error(bindings: object, message: string): void;
}

export interface StreamingTurnOptions {
  store: Store;
  scope: Scope;
  conversationId: string;
  userMessage: Message;
  assistantMessageId: string;
  model: ChatModel;
  messages: ChatModelMessage[];
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  delivery?: 'stream' | 'whole';
  /** The caller's own abort (a client that went away): counts as an interrupt. */
  signal?: AbortSignal;
  logger: EngineLogger;
}

type TurnError = NonNullable<TurnEndEvent['error']>;

/** How the model stream ended: what it said of its finish, or the failure. */
interface ModelOutcome {
  finishReason?: string;
  usage: Usage | null;
  error?: TurnError;
}

/** Failures as the protocols name them; a ModelError's message is written for clients. */
function toTurnError(error: unknown): TurnError {
  if (error instanceof ModelError) {
    return { code: error.kind === 'timeout' ? 'MODEL_TIMEOUT' : 'MODEL_ERROR', message: error.message };
  }
  if (isAppError(error)) return { code: error.code, message: error.message };
  return { code: 'MODEL_ERROR', message: 'AI model processing error.' };
}

/**
 * One turn's stream, from the model call to the stored assistant message. All its state lives
 * here, so concurrent turns share nothing. It starts producing at once, whether or not anyone
 * iterates `events`, so the reply is stored even for a consumer that only awaits `ended`.
 */
export class StreamingTurn implements LiveTurn {
  readonly duplicate = false;
  readonly conversationId: string;
  readonly userMessage: Message;
  readonly assistantMessageId: string;
  readonly model: string;
  readonly events: EventQueue<TurnEvent>;
  readonly ended: Promise<TurnEndEvent>;

  readonly #options: StreamingTurnOptions;
  readonly #abort = new AbortController();
  readonly #segmenter = new SentenceSegmenter();
  readonly #sentences: string[] = [];
  readonly #acknowledged = new Set<number>();
  #text = '';
  #interrupted = false;
  /** Set by interruptDelivery: only acknowledged sentences count as heard. */
  #acknowledgedOnly = false;
  /** Set once the model stream is over: an interrupt can no longer change the outcome. */
  #settled = false;
  readonly #onCallerAbort = () => this.interrupt();

  constructor(options: StreamingTurnOptions) {
    this.#options = options;
    this.conversationId = options.conversationId;
    this.userMessage = options.userMessage;
    this.assistantMessageId = options.assistantMessageId;
    this.model = options.model.name;
    this.events = new EventQueue<TurnEvent>({ onReturn: () => this.interrupt() });
    this.events.push({
      type: 'turn-start',
      conversationId: options.conversationId,
      userMessageId: options.userMessage.id,
      assistantMessageId: options.assistantMessageId,
      model: options.model.name,
    });
    options.signal?.addEventListener('abort', this.#onCallerAbort, { once: true });
    if (options.signal?.aborted) this.interrupt();
    this.ended = this.#run();
  }

  interrupt(): void {
    if (this.#settled || this.#interrupted) return;
    this.#interrupted = true;
    this.#abort.abort(new Error('turn interrupted'));
  }

  async interruptDelivery(): Promise<void> {
    this.#acknowledgedOnly = true;
    if (!this.#settled) {
      this.interrupt();
      await this.ended;
      return;
    }
    // The model had finished: the reply is (being) stored complete; rewrite it as heard.
    const end = await this.ended;
    if (end.finishReason !== 'stop' && end.finishReason !== 'length') return;
    const { store, scope, conversationId } = this.#options;
    try {
      await store.amendMessage(scope, {
        conversationId,
        messageId: this.assistantMessageId,
        content: this.#heardText(),
        status: 'interrupted',
      });
    } catch (error) {
      this.#options.logger.error(
        { err: error, conversationId, messageId: this.assistantMessageId },
        'marking a cut-off reply as interrupted failed',
      );
    }
  }

  acknowledgeSentence(index: number): void {
    if (Number.isInteger(index) && index >= 0) this.#acknowledged.add(index);
  }

  async #run(): Promise<TurnEndEvent> {
    const outcome = await this.#consumeModel();
    this.#settled = true;
    this.#options.signal?.removeEventListener('abort', this.#onCallerAbort);

    let finishReason: TurnFinishReason;
    let status: MessageStatus;
    let storedText = this.#text;
    if (this.#interrupted) {
      finishReason = 'interrupted';
      status = 'interrupted';
      storedText = this.#heardText();
    } else if (outcome.error) {
      finishReason = 'error';
      status = 'error';
    } else {
      finishReason = outcome.finishReason === 'length' ? 'length' : 'stop';
      status = 'complete';
      const rest = this.#segmenter.flush();
      if (rest !== undefined) this.#emitSentence(rest);
    }

    await this.#store({ content: storedText, status, usage: outcome.usage });
    const end: TurnEndEvent = {
      type: 'turn-end',
      finishReason,
      text: this.#text,
      storedText,
      usage: outcome.usage,
      model: this.model,
      ...(finishReason === 'error' && outcome.error ? { error: outcome.error } : {}),
    };
    this.events.push(end);
    this.events.close();
    return end;
  }

  /**
   * Streams the model's parts into events until it ends, fails or the turn is interrupted. Each part
   * is pulled with one `next().then(…)` and two handlers made once per turn, not a promise and
   * closures of its own per token: this runs for every token of every stream.
   */
  #consumeModel(): Promise<ModelOutcome> {
    const signal = this.#abort.signal;
    let iterator: AsyncIterator<ChatModelPart> | undefined;
    let finishReason: string | undefined;
    let usage: Usage | null = null;
    let over = false;
    let settle!: (outcome: ModelOutcome) => void;
    const outcome = new Promise<ModelOutcome>((resolve) => (settle = resolve));
    const finish = (result: ModelOutcome): void => {
      if (over) return;
      over = true;
      // Tells a generator-based model to clean up; not awaited, it may still be blocked.
      if (this.#interrupted) iterator?.return?.().catch(() => undefined);
      settle(result);
    };
    const fail = (error: unknown): void => {
      if (over) return;
      if (this.#interrupted) {
        finish({ finishReason, usage });
        return;
      }
      this.#options.logger.warn(
        {
          err: error,
          conversationId: this.conversationId,
          model: this.model,
          producedText: this.#text !== '',
        },
        'model stream failed',
      );
      finish({ usage, error: toTurnError(error) });
    };
    const pull = (): void => {
      if (signal.aborted) finish({ finishReason, usage });
      else iterator!.next().then(receive, fail);
    };
    const receive = (step: IteratorResult<ChatModelPart>): void => {
      // Settled after an interrupt too, when nobody waits for it any more: then ignored.
      if (over) return;
      if (step.done) {
        finish({ finishReason, usage });
        return;
      }
      const part = step.value;
      try {
        if (part.type === 'text-delta') {
          if (part.text !== '') this.#emitText(part.text);
        } else if (part.type === 'finish') {
          finishReason = part.finishReason;
          usage = part.usage;
        }
      } catch (error) {
        fail(error);
        return;
      }
      pull();
    };
    // An interrupt ends the wait for the pending part at once, so a model slow to honour its signal
    // cannot hold the turn open; a microtask later, so a part the model had already handed over
    // still counts as sent.
    signal.addEventListener('abort', () => queueMicrotask(() => finish({ finishReason, usage })), {
      once: true,
    });
    try {
      const parts = this.#options.model.stream({
        messages: this.#options.messages,
        signal,
        ...(this.#options.maxOutputTokens === undefined
          ? {}
          : { maxOutputTokens: this.#options.maxOutputTokens }),
        ...(this.#options.temperature === undefined ? {} : { temperature: this.#options.temperature }),
        ...(this.#options.topP === undefined ? {} : { topP: this.#options.topP }),
        ...(this.#options.delivery === undefined ? {} : { delivery: this.#options.delivery }),
      });
      iterator = parts[Symbol.asyncIterator]();
    } catch (error) {
      fail(error);
      return outcome;
    }
    pull();
    return outcome;
  }

  #emitText(text: string): void {
    this.#text += text;
    this.events.push({ type: 'text-delta', text });
    for (const sentence of this.#segmenter.push(text)) this.#emitSentence(sentence);
  }

  #emitSentence(text: string): void {
    const index = this.#sentences.length;
    this.#sentences.push(text);
    this.events.push({ type: 'sentence', index, text });
  }

  /**
   * What the user heard: the acknowledged sentences from the first on; when none were, everything
   * sent (a text client reads as it arrives), unless only acknowledged sentences count.
   */
  #heardText(): string {
    const heard: string[] = [];
    while (heard.length < this.#sentences.length && this.#acknowledged.has(heard.length)) {
      heard.push(this.#sentences[heard.length]!);
    }
    return heard.length > 0 || this.#acknowledgedOnly ? heard.join(' ') : this.#text;
  }

  /** Stores the assistant message, exactly once; a failure is logged and the stream still ends. */
  async #store(reply: { content: string; status: MessageStatus; usage: Usage | null }): Promise<void> {
    const { store, scope, conversationId } = this.#options;
    try {
      await store.appendMessage(scope, {
        id: this.assistantMessageId,
        conversationId,
        role: 'assistant',
        content: reply.content,
        status: reply.status,
        model: this.model,
        usage: reply.usage,
      });
    } catch (error) {
      this.#options.logger.error(
        { err: error, conversationId, messageId: this.assistantMessageId },
        'storing the assistant message failed',
      );
    }
  }
}
