import { Completion } from './completion.ts';
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

// Doc 000's CAI WebSocket (`WS /`): completions multiplexed by requestId on one connection, with
// barge-in, sentence acknowledgements and pull pacing; reconnects and resumes on its own.

export interface CaiSocketOptions {
  /** The server: `ws://localhost:8000` or `http://localhost:8000` (the path defaults to `/`). */
  url: string;
  /** A tenant API key or a user JWT, sent as `?authorization=Bearer%20…`. */
  apiKey?: string;
  token?: string;
  /** The tenant id (doc 000 requires it; the server checks it against the credential). */
  orgId: string;
  WebSocket?: WebSocketConstructor;
  reconnect?: ReconnectOptions;
  handshakeTimeoutMs?: number;
}

export interface CompleteOptions {
  /** `provider:model`; absent means the server's default. */
  model?: string;
  /** Continue this conversation (default: the connection's own). */
  conversationId?: string;
  system?: string;
  /** `sentence`: one sentence now, one more per `Completion.more()`. */
  pace?: 'stream' | 'sentence';
  /** Your own id for it (default: a UUID). */
  requestId?: string;
}

export interface CaiSocketEvents extends Record<string, unknown> {
  reconnecting: ConnectionEvents['reconnecting'];
  resumed: ConnectionEvents['resumed'];
  'resume-failed': ConnectionEvents['resume-failed'];
  closed: ConnectionEvents['closed'];
  /** An ERROR that names no request (a rate limit on the connection, say). */
  error: CaiError;
  /** Every frame the session receives, for logging. */
  frame: Frame;
}

export const caiDialect: ProtocolDialect = {
  greetingId: (frame) =>
    frame['type'] === 'CONNECTED' && typeof frame['connectionId'] === 'string'
      ? frame['connectionId']
      : undefined,
  resumeFrame: (connectionId, lastSeq) => ({ type: 'RESUME', connectionId, lastSeq }),
  isResumed: (frame) => frame['type'] === 'RESUMED',
  errorOf: (frame) =>
    frame['type'] === 'ERROR'
      ? caiError({
          code: String(frame['code'] ?? 'INVALID_REQUEST'),
          message: String(frame['message'] ?? 'Error'),
          ...(typeof frame['retryAfterMs'] === 'number' ? { retryAfterMs: frame['retryAfterMs'] } : {}),
          ...(typeof frame['requestId'] === 'string' ? { requestId: frame['requestId'] } : {}),
        })
      : undefined,
};

export class CaiSocket extends TypedEmitter<CaiSocketEvents> {
  readonly #connection: ResumableConnection;
  readonly #completions = new Map<string, Completion>();
  #conversationId: string | undefined;

  constructor(options: CaiSocketOptions) {
    super();
    this.#connection = new ResumableConnection({
      url: caiSocketUrl(options),
      dialect: caiDialect,
      ...(options.WebSocket === undefined ? {} : { WebSocket: options.WebSocket }),
      ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
      ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: options.handshakeTimeoutMs }),
    });
    this.#connection.on('frame', (frame) => this.#onFrame(frame));
    this.#connection.on('greeting', (frame) => {
      if (typeof frame['conversationId'] === 'string') this.#conversationId = frame['conversationId'];
    });
    this.#connection.on('reconnecting', (event) => this.emit('reconnecting', event));
    this.#connection.on('resumed', (event) => this.emit('resumed', event));
    this.#connection.on('resume-failed', (event) => {
      // Those the lost session was answering are gone; those not yet sent go to the new session.
      for (const completion of this.#completions.values()) {
        if (completion.written) this.#settle(completion, withRequest(event.error, completion.requestId));
      }
      this.emit('resume-failed', event);
    });
    this.#connection.on('closed', (event) => {
      const error = event.error ?? caiError({ code: 'CONNECTION_CLOSED', message: 'The socket was closed.' });
      for (const completion of [...this.#completions.values()]) this.#settle(completion, error);
      this.emit('closed', event);
    });
  }

  /** Makes a socket and waits until it is connected. */
  static async connect(options: CaiSocketOptions): Promise<CaiSocket> {
    const socket = new CaiSocket(options);
    await socket.connect();
    return socket;
  }

  /** Rejects with AuthError (AUTH_FAILED, INVALID_ORG) or ConnectionError. */
  async connect(): Promise<void> {
    await this.#connection.connect();
  }

  get state(): ConnectionState {
    return this.#connection.state;
  }

  /** The session id from CONNECTED (kept across resumes). */
  get connectionId(): string | undefined {
    return this.#connection.sessionId;
  }

  /** The connection's own conversation, from CONNECTED. */
  get conversationId(): string | undefined {
    return this.#conversationId;
  }

  /** Completions not yet ended. */
  get inFlight(): number {
    return this.#completions.size;
  }

  /** Starts a completion; sent at once, or once (re)connected. */
  complete(prompt: string, options: CompleteOptions = {}): Completion {
    const requestId = options.requestId ?? newId();
    if (this.#completions.has(requestId)) throw new TypeError(`requestId ${requestId} is already in flight.`);
    const completion = new Completion({ requestId, send: (frame) => this.#send(frame) });
    if (this.#connection.state === 'closed') {
      completion.fail(caiError({ code: 'CONNECTION_CLOSED', message: 'The socket is closed.', requestId }));
      return completion;
    }
    this.#completions.set(requestId, completion);
    const payload = {
      prompt,
      ...(options.model === undefined ? {} : { model: options.model }),
      ...(options.conversationId === undefined ? {} : { conversationId: options.conversationId }),
      ...(options.system === undefined ? {} : { system: options.system }),
      ...(options.pace === undefined ? {} : { pace: options.pace }),
    };
    this.#connection.send({ type: 'COMPLETION', requestId, payload }, () => (completion.written = true));
    return completion;
  }

  /** Barge-in on every completion of this connection. */
  interruptAll(): void {
    this.#send({ type: 'INTERRUPTED' });
  }

  close(): void {
    this.#connection.close(1000);
  }

  #send(frame: Frame): void {
    if (this.#connection.state !== 'closed') this.#connection.send(frame);
  }

  #onFrame(frame: Frame): void {
    this.emit('frame', frame);
    const type = frame['type'];
    const requestId = typeof frame['requestId'] === 'string' ? frame['requestId'] : undefined;
    if (type === 'ERROR') {
      const error = caiDialect.errorOf(frame)!;
      const completion = requestId === undefined ? undefined : this.#completions.get(requestId);
      if (completion !== undefined) this.#settle(completion, error);
      else if (this.listenerCount('error') > 0) this.emit('error', error);
      return;
    }
    if (requestId === undefined) return;
    const completion = this.#completions.get(requestId);
    if (completion === undefined) return;
    completion.handle(frame);
    if (completion.done) this.#completions.delete(requestId);
  }

  #settle(completion: Completion, error: CaiError): void {
    completion.fail(error);
    this.#completions.delete(completion.requestId);
  }
}

function caiSocketUrl(options: CaiSocketOptions): string {
  const url = toWebSocketUrl(options.url);
  if (url.pathname === '') url.pathname = '/';
  const credential = options.apiKey ?? options.token;
  // Built by hand so the space is %20, exactly as doc 000 writes it.
  const parameters: string[] = [];
  if (credential !== undefined)
    parameters.push(`authorization=${encodeURIComponent(`Bearer ${credential}`)}`);
  parameters.push(`orgId=${encodeURIComponent(options.orgId)}`);
  url.search = parameters.join('&');
  return url.toString();
}

function withRequest(error: CaiError, requestId: string): CaiError {
  return caiError({
    code: error.code,
    message: error.message,
    requestId,
    ...(error.details === undefined ? {} : { details: error.details }),
  });
}
