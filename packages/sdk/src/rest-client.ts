import { HttpTransport, type FetchFunction, type HttpTransportOptions } from './http-transport.ts';
import { caiError } from './errors.ts';
import { newId } from './ids.ts';
import type { RetryOptions } from './retry-policy.ts';
import type {
  AiChatInput,
  AiChatReply,
  AiChatStreamEvent,
  Chat,
  ChatList,
  CreateChatInput,
  HealthReply,
  MessageList,
  ModelList,
  PageOptions,
  SpeechAudio,
  SpeechToTextInput,
  TextToSpeechInput,
  TranscriptReply,
  SendMessageInput,
  TokenInput,
  TokenReply,
} from './rest-types.ts';
import { readServerSentEvents } from './server-sent-events.ts';

// The REST API of docs/api/rest.md as typed methods: chats (doc 004), AI chat (doc 002) as JSON or
// as a stream of typed events, and the exchange of an API key for a user token.

export interface CaiClientOptions {
  /** `http://localhost:8000` */
  baseUrl: string;
  /** A tenant API key (server side only: never ship it to a browser). */
  apiKey?: string;
  /** A user JWT (from createToken), for browsers. */
  token?: string;
  /** Defaults to the global fetch. */
  fetch?: FetchFunction;
  retry?: RetryOptions;
  /** Per attempt (default 120 s). */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** Called before each retry (for logging): the attempt about to be made, the wait, the failure. */
  onRetry?: HttpTransportOptions['onRetry'];
}

export interface CallOptions {
  signal?: AbortSignal;
}

export class CaiClient {
  readonly #http: HttpTransport;
  readonly #options: CaiClientOptions;

  constructor(options: CaiClientOptions) {
    if (options.apiKey !== undefined && options.token !== undefined) {
      throw new TypeError('Give either apiKey or token, not both.');
    }
    this.#options = options;
    const credential = options.apiKey ?? options.token;
    this.#http = new HttpTransport({
      baseUrl: options.baseUrl,
      ...(credential === undefined ? {} : { credential }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
    });
  }

  get baseUrl(): string {
    return this.#http.baseUrl;
  }

  /** The same client speaking with a user token instead (e.g. after createToken). */
  withToken(token: string): CaiClient {
    const { apiKey: _apiKey, ...rest } = this.#options;
    return new CaiClient({ ...rest, token });
  }

  health(options: CallOptions = {}): Promise<HealthReply> {
    return this.#http.json({ method: 'GET', path: '/health', ...signal(options) });
  }

  // --- chats (doc 004) ---

  createChat(input: CreateChatInput = {}, options: CallOptions = {}): Promise<Chat> {
    return this.#http.json({
      method: 'POST',
      path: '/api/v1/chats',
      body: {
        ...(input.userId === undefined ? {} : { user_id: input.userId }),
        ...(input.title === undefined ? {} : { title: input.title }),
        ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
      },
      ...signal(options),
    });
  }

  listChats(userId: string, page: PageOptions & CallOptions = {}): Promise<ChatList> {
    return this.#http.json({
      method: 'GET',
      path: `/api/v1/chats/user/${encodeURIComponent(userId)}`,
      query: pageQuery(page),
      ...signal(page),
    });
  }

  getChat(chatId: string, options: CallOptions = {}): Promise<Chat> {
    return this.#http.json({
      method: 'GET',
      path: `/api/v1/chats/${encodeURIComponent(chatId)}`,
      ...signal(options),
    });
  }

  listMessages(chatId: string, page: PageOptions & CallOptions = {}): Promise<MessageList> {
    return this.#http.json({
      method: 'GET',
      path: `/api/v1/chats/${encodeURIComponent(chatId)}/messages`,
      query: pageQuery(page),
      ...signal(page),
    });
  }

  /** Every message of a chat, page by page (oldest first unless `order` says otherwise). */
  async *allMessages(chatId: string, page: Omit<PageOptions, 'offset'> & CallOptions = {}) {
    let offset = 0;
    for (;;) {
      const result = await this.listMessages(chatId, { ...page, offset, limit: page.limit ?? 100 });
      yield* result.messages;
      if (!result.has_more || result.messages.length === 0) return;
      offset += result.messages.length;
    }
  }

  /** Deletes the chat and its messages. A retry that finds it already gone counts as done. */
  async deleteChat(chatId: string, options: CallOptions = {}): Promise<void> {
    await this.#http.json({
      method: 'DELETE',
      path: `/api/v1/chats/${encodeURIComponent(chatId)}`,
      notFoundAfterRetryIsSuccess: true,
      ...signal(options),
    });
  }

  /** Talks to a chat over HTTP; the whole reply. Retried safely (a client_message_id is always sent). */
  sendMessage(chatId: string, input: SendMessageInput, options: CallOptions = {}): Promise<AiChatReply> {
    return this.#http.json({
      method: 'POST',
      path: `/api/v1/chats/${encodeURIComponent(chatId)}/messages`,
      body: { ...messageBody(input), stream: false },
      idempotencyKey: true,
      ...signal(options),
    });
  }

  /** Talks to a chat over HTTP; the reply as it streams. */
  sendMessageStream(
    chatId: string,
    input: SendMessageInput,
    options: CallOptions = {},
  ): AsyncGenerator<AiChatStreamEvent, void, undefined> {
    return this.#eventStream({
      method: 'POST',
      path: `/api/v1/chats/${encodeURIComponent(chatId)}/messages`,
      body: { ...messageBody(input), stream: true },
      idempotencyKey: true,
      ...signal(options),
    });
  }

  // --- AI chat (doc 002) ---

  /**
   * One reply, whole. Retried on 429/502/503/504 and network errors only when it continues a
   * conversation (`conversationId`): the server deduplicates `client_message_id` per conversation,
   * so a retry of a request that makes a new conversation could answer twice.
   */
  aiChat(input: AiChatInput, options: CallOptions = {}): Promise<AiChatReply> {
    return this.#http.json({
      method: 'POST',
      path: '/api/v1/ai/chat',
      body: { ...aiChatBody(input), stream: false },
      idempotencyKey: input.conversationId !== undefined,
      ...signal(options),
    });
  }

  /** The reply as Server-Sent Events: `start`, `delta`…, `sentence`…, (`error`), `end`. */
  aiChatStream(
    input: AiChatInput,
    options: CallOptions = {},
  ): AsyncGenerator<AiChatStreamEvent, void, undefined> {
    return this.#eventStream({
      method: 'POST',
      path: '/api/v1/ai/chat',
      body: { ...aiChatBody(input), stream: true },
      idempotencyKey: input.conversationId !== undefined,
      ...signal(options),
    });
  }

  // --- models (the OpenAI-compatible API's list) ---

  /** The models a request may name, the default first. */
  listModels(options: CallOptions = {}): Promise<ModelList> {
    return this.#http.json({ method: 'GET', path: '/v1/models', ...signal(options) });
  }

  // --- voice (doc 002) ---

  /** Speech for `text`: the audio bytes and their content type. */
  async textToSpeech(input: TextToSpeechInput, options: CallOptions = {}): Promise<SpeechAudio> {
    const response = await this.#http.stream({
      method: 'POST',
      path: '/api/v1/voice/tts',
      body: {
        text: input.text,
        ...(input.provider === undefined ? {} : { provider: input.provider }),
        ...(input.voiceId === undefined ? {} : { voice_id: input.voiceId }),
        ...(input.speed === undefined ? {} : { speed: input.speed }),
        ...(input.format === undefined ? {} : { format: input.format }),
      },
      ...signal(options),
    });
    return {
      audio: new Uint8Array(await response.arrayBuffer()),
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
    };
  }

  /** A transcript of the audio (WAV, or 16-bit PCM at the server's SAMPLE_RATE) or of the audio at a URL. */
  speechToText(input: SpeechToTextInput, options: CallOptions = {}): Promise<TranscriptReply> {
    const config = {
      ...(input.punctuate === undefined ? {} : { punctuate: input.punctuate }),
      ...(input.profanityFilter === undefined ? {} : { profanity_filter: input.profanityFilter }),
    };
    return this.#http.json({
      method: 'POST',
      path: '/api/v1/voice/stt',
      body: {
        ...('audio' in input ? { audio: toBase64(input.audio) } : { audio_url: input.audioUrl }),
        ...(input.provider === undefined ? {} : { provider: input.provider }),
        ...(input.language === undefined ? {} : { language: input.language }),
        ...(input.diarization === undefined ? {} : { diarization: input.diarization }),
        ...(Object.keys(config).length === 0 ? {} : { config }),
      },
      ...signal(options),
    });
  }

  // --- tokens ---

  /** Exchanges this client's API key for a user JWT, for a browser. */
  createToken(input: TokenInput, options: CallOptions = {}): Promise<TokenReply> {
    return this.#http.json({
      method: 'POST',
      path: '/api/v1/auth/token',
      body: {
        user_id: input.userId,
        ...(input.ttlSeconds === undefined ? {} : { ttl_seconds: input.ttlSeconds }),
      },
      ...signal(options),
    });
  }

  async *#eventStream(
    request: Parameters<HttpTransport['stream']>[0],
  ): AsyncGenerator<AiChatStreamEvent, void, undefined> {
    const response = await this.#http.stream(request);
    if (response.body === null) {
      throw caiError({ code: 'UNEXPECTED_RESPONSE', message: 'The stream answered without a body.' });
    }
    const type = response.headers.get('content-type') ?? '';
    if (!type.includes('text/event-stream')) {
      // A resent client_message_id is answered with the stored reply as JSON: present it as a stream.
      const reply = (await response.json()) as AiChatReply;
      yield { type: 'delta', message_id: reply.message_id, content: reply.content };
      yield { type: 'end', ...reply };
      return;
    }
    let ended = false;
    for await (const event of readServerSentEvents(response.body)) {
      const data = JSON.parse(event.data) as Record<string, unknown>;
      const typed = { type: event.event, ...data } as AiChatStreamEvent;
      if (typed.type === 'end') ended = true;
      yield typed;
    }
    if (!ended) {
      throw caiError({ code: 'CONNECTION_CLOSED', message: 'The stream ended before its end event.' });
    }
  }
}

/** Base64 in browsers and Node alike (`btoa` is global in both), a slice at a time for large audio. */
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const slice = 0x8000;
  for (let offset = 0; offset < bytes.length; offset += slice) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + slice));
  }
  return btoa(binary);
}

function signal(options: CallOptions): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}

function pageQuery(page: PageOptions): Record<string, string | number | undefined> {
  return { offset: page.offset, limit: page.limit, order: page.order };
}

function messageBody(input: SendMessageInput): Record<string, unknown> {
  return {
    content: input.content,
    client_message_id: input.clientMessageId ?? newId(),
    ...(input.model === undefined ? {} : { model: input.model }),
    ...(input.system === undefined ? {} : { system: input.system }),
  };
}

function aiChatBody(input: AiChatInput): Record<string, unknown> {
  const optional: Record<string, unknown> = {
    provider: input.provider,
    model: input.model,
    context: input.context,
    metadata: input.metadata,
    conversation_id: input.conversationId,
    user_id: input.userId,
    system: input.system,
  };
  return {
    content: input.content,
    role: 'user',
    client_message_id: input.clientMessageId ?? newId(),
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}
