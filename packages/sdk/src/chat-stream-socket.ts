import { ChatReply, errorFromFrame } from './chat-reply.ts';
import { caiError, type CaiError } from './errors.ts';
import { newId } from './ids.ts';
import {
  ResumableConnection,
  type ConnectionEvents,
  type ConnectionState,
  type Frame,
  type ProtocolDialect,
  type ReconnectOptions,
} from './resumable-connection.ts';
import { TypedEmitter } from './typed-emitter.ts';
import { toWebSocketUrl, type WebSocketConstructor } from './websocket.ts';

// Doc 004's streaming chat (`WS /ws/chat`): messages in, token streams out, one reply at a time per
// connection. Every message carries a client_message_id (a UUID unless you give one), so a message
// resent after a lost session is not stored or answered twice; reconnects and resumes on its own.

export interface ChatStreamSocketOptions {
  /** The server: `ws://localhost:8000` or `http://localhost:8000` (the path defaults to `/ws/chat`). */
  url: string;
  /** A tenant API key (`?api_key=`), which then needs `userId`… */
  apiKey?: string;
  /** …or a user JWT (`?token=`). */
  token?: string;
  userId?: string;
  /** Continue this chat; without it the server makes one. */
  chatId?: string;
  WebSocket?: WebSocketConstructor;
  reconnect?: ReconnectOptions;
  handshakeTimeoutMs?: number;
}

export interface ChatStreamSocketEvents extends Record<string, unknown> {
  /** The user was seen for the first time. */
  'user-created': { userId: string };
  reconnecting: ConnectionEvents['reconnecting'];
  resumed: ConnectionEvents['resumed'];
  'resume-failed': ConnectionEvents['resume-failed'];
  closed: ConnectionEvents['closed'];
  /** An error that names no message of this socket. */
  error: CaiError;
  frame: Frame;
}

export const chatStreamDialect: ProtocolDialect = {
  greetingId: (frame) =>
    frame['type'] === 'connection_established' && typeof frame['connection_id'] === 'string'
      ? frame['connection_id']
      : undefined,
  resumeFrame: (connectionId, lastSeq) => ({
    type: 'resume',
    connection_id: connectionId,
    last_seq: lastSeq,
  }),
  isResumed: (frame) => frame['type'] === 'resumed',
  errorOf: (frame) => (frame['type'] === 'error' ? errorFromFrame(frame) : undefined),
};

export class ChatStreamSocket extends TypedEmitter<ChatStreamSocketEvents> {
  readonly #options: ChatStreamSocketOptions;
  readonly #connection: ResumableConnection;
  /** Sent and not yet ended, by client_message_id, in the order sent. */
  readonly #replies = new Map<string, ChatReply>();
  readonly #byMessageId = new Map<string, ChatReply>();
  #chatId: string | undefined;
  #userId: string | undefined;
  /** The reply being answered now (the server answers one message at a time). */
  #current: ChatReply | undefined;

  constructor(options: ChatStreamSocketOptions) {
    super();
    this.#options = options;
    this.#chatId = options.chatId;
    this.#userId = options.userId;
    this.#connection = new ResumableConnection({
      url: () => this.#url(),
      dialect: chatStreamDialect,
      ...(options.WebSocket === undefined ? {} : { WebSocket: options.WebSocket }),
      ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
      ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: options.handshakeTimeoutMs }),
    });
    this.#connection.on('greeting', (frame) => {
      if (typeof frame['chat_id'] === 'string') this.#chatId = frame['chat_id'];
      if (typeof frame['user_id'] === 'string') this.#userId = frame['user_id'];
    });
    this.#connection.on('frame', (frame) => this.#onFrame(frame));
    this.#connection.on('reconnecting', (event) => this.emit('reconnecting', event));
    this.#connection.on('resumed', (event) => this.emit('resumed', event));
    this.#connection.on('resume-failed', (event) => this.#onResumeFailed(event));
    this.#connection.on('closed', (event) => {
      const error = event.error ?? caiError({ code: 'CONNECTION_CLOSED', message: 'The socket was closed.' });
      for (const reply of [...this.#replies.values()]) this.#settle(reply, error);
      this.emit('closed', event);
    });
  }

  static async connect(options: ChatStreamSocketOptions): Promise<ChatStreamSocket> {
    const socket = new ChatStreamSocket(options);
    await socket.connect();
    return socket;
  }

  /** Rejects with AuthError, NotFoundError (CHAT_NOT_FOUND) or ConnectionError. */
  async connect(): Promise<void> {
    await this.#connection.connect();
  }

  get state(): ConnectionState {
    return this.#connection.state;
  }

  get connectionId(): string | undefined {
    return this.#connection.sessionId;
  }

  get chatId(): string | undefined {
    return this.#chatId;
  }

  get userId(): string | undefined {
    return this.#userId;
  }

  /** Messages sent and not yet answered. */
  get inFlight(): number {
    return this.#replies.size;
  }

  /** Sends a message; its reply streams on the handle. Sent at once, or once (re)connected. */
  send(content: string, options: { clientMessageId?: string } = {}): ChatReply {
    if (content.trim() === '') throw new TypeError('content must not be empty.');
    const clientMessageId = options.clientMessageId ?? newId();
    const reply = this.#replies.get(clientMessageId) ?? new ChatReply({ clientMessageId, content });
    if (this.#connection.state === 'closed') {
      reply.fail(caiError({ code: 'CONNECTION_CLOSED', message: 'The socket is closed.' }));
      return reply;
    }
    this.#replies.set(clientMessageId, reply);
    this.#write(reply);
    return reply;
  }

  /** Interrupts the reply being streamed (it ends with finish_reason "interrupted"). */
  stop(): void {
    if (this.#connection.state !== 'closed') this.#connection.send({ type: 'stop' });
  }

  close(): void {
    this.#connection.close(1000);
  }

  #write(reply: ChatReply): void {
    this.#connection.send(
      { content: reply.content, client_message_id: reply.clientMessageId },
      () => (reply.written = true),
    );
  }

  #onFrame(frame: Frame): void {
    this.emit('frame', frame);
    switch (frame['type']) {
      case 'user_created':
        this.emit('user-created', { userId: String(frame['user_id']) });
        return;
      case 'message_received': {
        const reply = this.#replies.get(String(frame['client_message_id']));
        if (reply === undefined) return;
        this.#current = reply;
        reply.handle(frame);
        return;
      }
      case 'message_stream_started': {
        const reply = this.#current;
        if (reply === undefined) return;
        this.#byMessageId.set(String(frame['message_id']), reply);
        reply.handle(frame);
        return;
      }
      case 'message_stream_token':
      case 'message_stream_ended': {
        // A duplicate's stored reply has an id this socket never saw start.
        const reply = this.#byMessageId.get(String(frame['message_id'])) ?? this.#current;
        if (reply === undefined) return;
        reply.handle(frame);
        if (reply.done) this.#forget(reply);
        return;
      }
      case 'error': {
        const reply = this.#replyOfError(frame);
        if (reply !== undefined) {
          reply.handle(frame);
          if (reply.done) this.#forget(reply);
        } else if (this.listenerCount('error') > 0) this.emit('error', errorFromFrame(frame));
        return;
      }
    }
  }

  #replyOfError(frame: Frame): ChatReply | undefined {
    const details = frame['details'];
    if (typeof details !== 'object' || details === null) return undefined;
    const context = details as Record<string, unknown>;
    if (typeof context['client_message_id'] === 'string')
      return this.#replies.get(context['client_message_id']);
    if (typeof context['message_id'] === 'string') return this.#byMessageId.get(context['message_id']);
    return undefined;
  }

  /**
   * The session is gone. A message the server acknowledged was being answered there: its reply is
   * in the REST history, not here. One it never acknowledged is sent again to the new session; its
   * client_message_id makes that harmless if the server did get it.
   */
  #onResumeFailed(event: ConnectionEvents['resume-failed']): void {
    this.#current = undefined;
    for (const reply of [...this.#replies.values()]) {
      if (reply.acknowledged) this.#settle(reply, event.error);
      else if (reply.written) this.#write(reply);
    }
    this.emit('resume-failed', event);
  }

  #settle(reply: ChatReply, error: CaiError): void {
    reply.fail(error);
    this.#forget(reply);
  }

  #forget(reply: ChatReply): void {
    this.#replies.delete(reply.clientMessageId);
    if (reply.messageId !== undefined) this.#byMessageId.delete(reply.messageId);
    if (this.#current === reply) this.#current = undefined;
  }

  #url(): string {
    const url = toWebSocketUrl(this.#options.url);
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/ws/chat';
    const query = new URLSearchParams();
    if (this.#options.apiKey !== undefined) query.set('api_key', this.#options.apiKey);
    if (this.#options.token !== undefined) query.set('token', this.#options.token);
    if (this.#userId !== undefined && this.#options.token === undefined) query.set('user_id', this.#userId);
    if (this.#chatId !== undefined) query.set('chat_id', this.#chatId);
    url.search = query.toString();
    return url.toString();
  }
}
