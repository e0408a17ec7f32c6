import { backoffDelayMs, type BackoffOptions } from './backoff.ts';
import { caiError, type CaiError } from './errors.ts';
import { TypedEmitter } from './typed-emitter.ts';
import {
  messageText,
  resolveWebSocket,
  WEBSOCKET_OPEN,
  type WebSocketCloseEvent,
  type WebSocketConstructor,
  type WebSocketLike,
} from './websocket.ts';

// The lifecycle both cai socket protocols share, in one place: connect and wait for the greeting,
// track the last `seq` seen, drop anything seen twice, and on an unexpected close reconnect with
// exponential backoff and full jitter and ask to resume, so a reply in flight continues without
// loss or duplicates. A protocol only describes its own frames (a ProtocolDialect).

export type Frame = Record<string, unknown>;

export interface ProtocolDialect {
  /** The session id if this frame is the greeting (CONNECTED, connection_established). */
  greetingId(frame: Frame): string | undefined;
  resumeFrame(sessionId: string, lastSeq: number): Frame;
  isResumed(frame: Frame): boolean;
  /** The error a frame carries (ERROR, error), if it is one. */
  errorOf(frame: Frame): CaiError | undefined;
}

export interface ReconnectOptions extends BackoffOptions {
  /** Reconnect on an unexpected close (default true). */
  enabled?: boolean;
  /** Attempts in a row before giving up (default 10). */
  maxAttempts?: number;
}

export interface ResumableConnectionOptions {
  /** A function when the URL changes over time (doc 004 names the chat it continues). */
  url: string | (() => string);
  dialect: ProtocolDialect;
  WebSocket?: WebSocketConstructor;
  reconnect?: ReconnectOptions;
  /** How long to wait for the greeting or the resume answer (default 10 s). */
  handshakeTimeoutMs?: number;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionEvents extends Record<string, unknown> {
  /** Every frame of the session, in order, each once (greetings and resume answers excluded). */
  frame: Frame;
  /** The greeting of the session the connection now carries (not repeated when a resume succeeds). */
  greeting: Frame;
  reconnecting: { attempt: number; delayMs: number; code: number; reason: string };
  resumed: { sessionId: string; replayed: number };
  /** The session was lost: the connection goes on as a fresh session. */
  'resume-failed': { error: CaiError; previousSessionId: string };
  /** For good; `error` says why when it was not asked for. */
  closed: { code: number; reason: string; error?: CaiError };
}

/** Closes after which reconnecting cannot help: refused by policy, frame too big, asked to go. */
const FINAL_CLOSE_CODES = new Set([1000, 1003, 1008, 1009]);
const DEFAULT_MAX_ATTEMPTS = 10;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

type Phase = 'greeting' | 'resuming' | 'live';

interface QueuedFrame {
  frame: Frame;
  onWritten?: () => void;
}

export class ResumableConnection extends TypedEmitter<ConnectionEvents> {
  readonly #options: ResumableConnectionOptions;
  #state: ConnectionState = 'idle';
  #socket: WebSocketLike | undefined;
  #phase: Phase = 'greeting';
  #sessionId: string | undefined;
  #freshGreeting: Frame | undefined;
  #lastSeq = 0;
  #attempt = 0;
  #queue: QueuedFrame[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  #fatalError: CaiError | undefined;
  #connecting: { resolve: () => void; reject: (error: CaiError) => void } | undefined;

  constructor(options: ResumableConnectionOptions) {
    super();
    this.#options = options;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The session id (doc 000 connectionId, doc 004 connection_id). */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Opens the socket and waits for the greeting; rejects with the server's error (AUTH_FAILED…). */
  connect(): Promise<void> {
    if (this.#state !== 'idle') return Promise.reject(new Error(`connect() called while ${this.#state}.`));
    this.#state = 'connecting';
    const connected = new Promise<void>((resolve, reject) => (this.#connecting = { resolve, reject }));
    void this.#dial('greeting');
    return connected;
  }

  /** Sends now when the session is live, else once it is again. */
  send(frame: Frame, onWritten?: () => void): void {
    if (this.#state === 'closed') throw closedError('The connection is closed.');
    const socket = this.#socket;
    if (this.#state === 'open' && socket !== undefined && socket.readyState === WEBSOCKET_OPEN) {
      socket.send(JSON.stringify(frame));
      onWritten?.();
    } else {
      this.#queue.push({ frame, ...(onWritten === undefined ? {} : { onWritten }) });
    }
  }

  /** Closes for good (no reconnection). */
  close(code = 1000, reason = ''): void {
    if (this.#state === 'closed') return;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close(code, reason);
    this.#finish({ code, reason });
  }

  async #dial(phase: Phase): Promise<void> {
    let WebSocket: WebSocketConstructor;
    try {
      WebSocket = await resolveWebSocket(this.#options.WebSocket);
    } catch (error) {
      this.#finish({ code: 1006, reason: '', error: closedError(String(error), error) });
      return;
    }
    if (this.#state === 'closed') return;
    const url = this.#options.url;
    const socket = new WebSocket(typeof url === 'string' ? url : url());
    this.#socket = socket;
    this.#phase = phase;
    this.#freshGreeting = undefined;
    this.#handshakeTimer = setTimeout(() => {
      // No greeting or resume answer in time: treat it as a lost socket.
      if (this.#socket === socket && this.#phase !== 'live')
        this.#lost(socket, { code: 4000, reason: 'handshake timeout' });
    }, this.#options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);

    socket.addEventListener('message', (event) => {
      if (this.#socket !== socket) return;
      let frame: unknown;
      try {
        frame = JSON.parse(messageText(event.data));
      } catch {
        return;
      }
      if (typeof frame === 'object' && frame !== null && !Array.isArray(frame)) this.#onFrame(frame as Frame);
    });
    socket.addEventListener('close', (event) => {
      if (this.#socket === socket) this.#lost(socket, event);
    });
    // A failed socket also closes; the close decides what happens next.
    socket.addEventListener('error', () => {});
  }

  #onFrame(frame: Frame): void {
    const dialect = this.#options.dialect;
    const greeting = dialect.greetingId(frame);
    if (greeting !== undefined) {
      if (this.#phase === 'greeting') {
        this.#sessionId = greeting;
        this.#lastSeq = 0;
        this.emit('greeting', frame);
        this.#live();
        this.#connecting?.resolve();
        this.#connecting = undefined;
      } else if (this.#phase === 'resuming') {
        // The new socket's own session, used only if the resume fails. The resume goes out now, as
        // the first message: a server may ignore frames that come before its greeting.
        this.#freshGreeting = frame;
        const resume = dialect.resumeFrame(this.#sessionId ?? '', this.#lastSeq);
        this.#socket?.send(JSON.stringify(resume));
      } else {
        this.#sessionId = greeting;
        this.emit('greeting', frame);
      }
      return;
    }
    if (this.#phase === 'resuming') {
      if (dialect.isResumed(frame)) {
        this.#live();
        this.emit('resumed', { sessionId: this.#sessionId ?? '', replayed: Number(frame['replayed'] ?? 0) });
        return;
      }
      const error = dialect.errorOf(frame);
      if (error?.code === 'RESUME_FAILED') {
        const previousSessionId = this.#sessionId ?? '';
        const fresh = this.#freshGreeting;
        this.#sessionId = fresh === undefined ? undefined : dialect.greetingId(fresh);
        this.#lastSeq = 0;
        if (fresh !== undefined) this.emit('greeting', fresh);
        // Listeners settle what was in flight before queued frames go out to the fresh session.
        this.emit('resume-failed', { error, previousSessionId });
        this.#live();
        return;
      }
      if (error !== undefined && error.code !== 'RATE_LIMITED') {
        // Refused on reconnect (a revoked key, say): no point in trying again.
        this.#fatalError = error;
        return;
      }
    }
    if (this.#phase === 'greeting') {
      const error = dialect.errorOf(frame);
      if (error !== undefined) {
        this.#fatalError = error;
        return;
      }
    }
    const seq = frame['seq'];
    if (typeof seq === 'number') {
      if (seq <= this.#lastSeq) return;
      this.#lastSeq = seq;
    }
    this.emit('frame', frame);
  }

  #live(): void {
    clearTimeout(this.#handshakeTimer);
    this.#phase = 'live';
    this.#state = 'open';
    this.#attempt = 0;
    const queued = this.#queue;
    this.#queue = [];
    for (const entry of queued) this.send(entry.frame, entry.onWritten);
  }

  #lost(socket: WebSocketLike, event: WebSocketCloseEvent): void {
    clearTimeout(this.#handshakeTimer);
    if (this.#socket === socket) this.#socket = undefined;
    if (event.code === 4000) socket.close();
    if (this.#state === 'closed') return;
    const fatal = this.#fatalError;
    const reconnect = this.#options.reconnect ?? {};
    // A socket that never connected is an answer (wrong URL, refused): connect() rejects with it.
    const never = reconnect.enabled === false || this.#state === 'connecting';
    if (fatal !== undefined || FINAL_CLOSE_CODES.has(event.code) || never) {
      const error =
        fatal ??
        (event.code === 1000
          ? undefined
          : closedError(`The connection closed (${event.code} ${event.reason}).`));
      this.#finish({ code: event.code, reason: event.reason, ...(error === undefined ? {} : { error }) });
      return;
    }
    if (this.#attempt >= (reconnect.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)) {
      this.#finish({
        code: event.code,
        reason: event.reason,
        error: closedError(`Could not reconnect after ${this.#attempt} attempts.`),
      });
      return;
    }
    const delayMs = backoffDelayMs(this.#attempt, reconnect);
    this.#attempt += 1;
    this.#state = 'reconnecting';
    this.emit('reconnecting', { attempt: this.#attempt, delayMs, code: event.code, reason: event.reason });
    this.#timer = setTimeout(
      () => void this.#dial(this.#sessionId === undefined ? 'greeting' : 'resuming'),
      delayMs,
    );
  }

  #finish(closed: ConnectionEvents['closed']): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#timer);
    clearTimeout(this.#handshakeTimer);
    this.#queue = [];
    this.#connecting?.reject(closed.error ?? closedError('The connection closed before it was established.'));
    this.#connecting = undefined;
    this.emit('closed', closed);
  }
}

function closedError(message: string, cause?: unknown): CaiError {
  return caiError({ code: 'CONNECTION_CLOSED', message, ...(cause === undefined ? {} : { cause }) });
}
