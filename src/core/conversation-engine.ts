import type { ChatModel, ChatModelMessage } from '../models/chat-model.ts';
import type { AppendResult, NewConversation, Store } from '../store/store.ts';
import type { Message, Scope } from './domain.ts';
import { AppError } from './errors.ts';
import type { HistoryLimits } from './history-window.ts';
import { historyWindow } from './history-window.ts';
import { uuidv7 } from './ids.ts';
import type { EngineLogger } from './streaming-turn.ts';
import { StreamingTurn } from './streaming-turn.ts';
import type { DuplicateTurn, Turn } from './turn.ts';

export type { EngineLogger } from './streaming-turn.ts';
export type { HistoryLimits } from './history-window.ts';
export type { DuplicateTurn, LiveTurn, Turn, TurnEndEvent } from './turn.ts';

export interface ConversationEngineOptions {
  store: Store;
  /** Throws an AppError (PROVIDER_NOT_CONFIGURED, MODEL_NOT_FOUND) for a model it cannot serve. */
  resolveModel: (name?: string) => ChatModel;
  history: HistoryLimits;
  /** The largest `content` + `system` accepted, in characters. */
  maxPromptCharacters: number;
  /** Cap on each reply's length, passed to the model. */
  maxOutputTokens?: number;
  logger?: EngineLogger;
}

export interface StartTurnInput {
  scope: Scope;
  conversationId: string;
  content: string;
  /** `provider:model` or an alias; the default model when absent. */
  model?: string;
  /** Prepended to the history as a system message; not stored. */
  system?: string;
  /** Doc 004's idempotency key: a resend is neither stored nor answered twice. */
  clientMessageId?: string;
  /** The caller going away: aborts the turn like `interrupt()`. */
  signal?: AbortSignal;
  /**
   * The conversation so far as the caller holds it (a stateless client such as the
   * OpenAI-compatible API), oldest first, without `content`: the model sees it instead of the
   * stored history, windowed by the same limits. Only `content` and the reply are stored.
   */
  history?: ChatModelMessage[];
  /** A cap on this reply's length; the engine's own cap still applies, the smaller wins. */
  maxOutputTokens?: number;
  /** Sampling temperature for this reply. */
  temperature?: number;
  /** Nucleus sampling for this reply. */
  topP?: number;
  /**
   * The caller created the conversation for this very turn, in this scope: it holds nothing yet, so
   * the engine does not read its history back (a query fewer before the model is called, on the
   * path every new REST conversation takes).
   */
  conversationCreatedForTurn?: boolean;
  /**
   * Creates conversation `conversationId` with these fields together with the user message, in
   * one transaction (a caller that opens a conversation for this turn): a refused turn leaves
   * nothing behind, and the turn takes one write fewer. Implies `conversationCreatedForTurn`.
   */
  newConversation?: Omit<NewConversation, 'id'>;
  /**
   * `whole` when the caller answers only once the reply is complete (a non-streaming request): the
   * model is then asked for the reply in one piece, not streamed. Events are the same either way.
   */
  delivery?: 'stream' | 'whole';
}

const silentLogger: EngineLogger = { warn: () => undefined, error: () => undefined };
const REPLY_SEARCH_PAGE = 100;

/**
 * The one conversation engine behind every protocol: validates a user message, stores it, and
 * streams the model's reply as typed events until the assistant message is stored.
 */
export class ConversationEngine {
  readonly #options: ConversationEngineOptions;
  readonly #logger: EngineLogger;

  constructor(options: ConversationEngineOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
  }

  /**
   * The checks a turn must pass before anything is stored, for a caller that creates things
   * (a conversation, a user) before starting the turn: an empty or oversized message
   * (VALIDATION_FAILED, PROMPT_TOO_LARGE) and a model that cannot be served. Answers the model.
   */
  checkTurn(input: Pick<StartTurnInput, 'content' | 'system' | 'model'>): ChatModel {
    if (typeof input.content !== 'string' || input.content.trim() === '') {
      throw new AppError('VALIDATION_FAILED', {
        message: 'The message content is empty.',
        details: 'Send a non-empty "content" string.',
      });
    }
    const promptCharacters = input.content.length + (input.system?.length ?? 0);
    if (promptCharacters > this.#options.maxPromptCharacters) {
      throw new AppError('PROMPT_TOO_LARGE', {
        details: `The message and system prompt may hold at most ${this.#options.maxPromptCharacters} characters; this one has ${promptCharacters}.`,
      });
    }
    return this.#options.resolveModel(input.model);
  }

  /**
   * Starts a turn. Rejects, with nothing stored, when the input is invalid (VALIDATION_FAILED,
   * PROMPT_TOO_LARGE), the conversation is not in scope (CHAT_NOT_FOUND) or the model cannot be
   * resolved. Resolves once the user message is stored; the reply then streams on its own.
   */
  async startTurn(input: StartTurnInput): Promise<Turn> {
    const { store } = this.#options;
    const model = this.checkTurn(input);
    const created = input.conversationCreatedForTurn === true || input.newConversation !== undefined;

    // Made together, so no other message of this process sorts between a user message and its
    // reply: that is how a resend finds the reply (see findReply).
    const userMessageId = uuidv7();
    const assistantMessageId = uuidv7();
    const clientMessageId = input.clientMessageId || null;
    // Storing the message is also the scope check: a conversation out of scope stores nothing and
    // answers CHAT_NOT_FOUND (no separate lookup before it).
    let appended: AppendResult;
    if (input.newConversation === undefined) {
      appended = await store.appendMessage(input.scope, {
        id: userMessageId,
        conversationId: input.conversationId,
        role: 'user',
        content: input.content,
        status: 'complete',
        clientMessageId,
      });
    } else {
      const { message } = await store.createConversationWithMessage(input.scope, {
        conversation: { ...input.newConversation, id: input.conversationId },
        message: {
          id: userMessageId,
          role: 'user',
          content: input.content,
          status: 'complete',
          clientMessageId,
        },
      });
      appended = { created: true, message };
    }
    if (!appended.created) {
      return this.#duplicateTurn({ scope: input.scope, userMessage: appended.message });
    }

    const messages =
      input.history === undefined
        ? created
          ? [{ role: 'user' as const, content: input.content }]
          : await this.#storedWindow({ scope: input.scope, userMessage: appended.message })
        : callerWindow({ history: input.history, content: input.content, limits: this.#options.history });
    if (input.system) messages.unshift({ role: 'system', content: input.system });

    return new StreamingTurn({
      store,
      scope: input.scope,
      conversationId: input.conversationId,
      userMessage: appended.message,
      assistantMessageId,
      model,
      messages,
      // Undefined fields are left out of the model request by StreamingTurn: no spread of a
      // temporary object per optional field, on every turn.
      maxOutputTokens: smallerCap(this.#options.maxOutputTokens, input.maxOutputTokens),
      temperature: input.temperature,
      topP: input.topP,
      delivery: input.delivery,
      signal: input.signal,
      logger: this.#logger,
    });
  }

  /** The stored conversation, windowed, ending with the turn's own user message. */
  async #storedWindow(options: { scope: Scope; userMessage: Message }): Promise<ChatModelMessage[]> {
    const stored = await this.#options.store.recentMessages(
      options.scope,
      options.userMessage.conversationId,
      this.#options.history.maxMessages,
    );
    const window = historyWindow({ stored, userMessage: options.userMessage, limits: this.#options.history });
    return window.map((message) => ({ role: message.role, content: message.content }));
  }

  async #duplicateTurn(options: { scope: Scope; userMessage: Message }): Promise<DuplicateTurn> {
    const reply = await this.#findReply(options);
    return {
      duplicate: true,
      conversationId: options.userMessage.conversationId,
      userMessage: options.userMessage,
      reply,
      events: (async function* () {})(),
      interrupt: () => undefined,
      acknowledgeSentence: () => undefined,
    };
  }

  /** The assistant message stored right after `userMessage` in id order, if that is its reply. */
  async #findReply(options: { scope: Scope; userMessage: Message }): Promise<Message | undefined> {
    const { scope, userMessage } = options;
    let following: Message | undefined;
    for (let offset = 0; ; offset += REPLY_SEARCH_PAGE) {
      const page = await this.#options.store.listMessages(scope, userMessage.conversationId, {
        offset,
        limit: REPLY_SEARCH_PAGE,
        order: 'desc',
      });
      for (const message of page.items) {
        if (message.id <= userMessage.id) return following?.role === 'assistant' ? following : undefined;
        following = message;
      }
      if (page.items.length < REPLY_SEARCH_PAGE) return undefined;
    }
  }
}

/**
 * A caller-given history windowed like a stored one (historyWindow): the newest messages that fit
 * the limits, without empty ones, then the new user message.
 */
function callerWindow(options: {
  history: ChatModelMessage[];
  content: string;
  limits: HistoryLimits;
}): ChatModelMessage[] {
  const { limits } = options;
  const window: ChatModelMessage[] = [{ role: 'user', content: options.content }];
  let characters = options.content.length;
  const earlier = options.history.filter((message) => message.content.trim() !== '');
  for (let index = earlier.length - 1; index >= 0; index -= 1) {
    const message = earlier[index]!;
    if (window.length >= limits.maxMessages) break;
    if (characters + message.content.length > limits.maxCharacters) break;
    window.unshift({ role: message.role, content: message.content });
    characters += message.content.length;
  }
  return window;
}

/** The smaller of the engine's cap and the turn's own, if either is set. */
function smallerCap(engineCap?: number, turnCap?: number): number | undefined {
  if (engineCap === undefined) return turnCap;
  return turnCap === undefined ? engineCap : Math.min(engineCap, turnCap);
}
