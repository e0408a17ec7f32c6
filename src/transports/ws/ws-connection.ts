import type { Socket } from 'node:net';
import type { ConnectionLogger } from './lazy-child-logger.ts';
import { WebSocket } from 'ws';
import type { ProtocolSocket } from './protocol-socket.ts';

// The thin adapter from a `ws` WebSocket to the ProtocolSocket a protocol module sees. It owns
// backpressure (a client that stops reading is closed with 1013 rather than buffered for) and the
// end of the connection: `onClosed` is reported exactly once, with the code the connection ended
// with, whoever ended it.

export interface WsConnectionOptions {
  ws: WebSocket;
  /** Over this many bytes waiting for the client, the next send closes with 1013 instead. */
  maxBufferedBytes: number;
  /** How long a closing handshake may take before the socket is destroyed. */
  closeGraceMs: number;
  logger: ConnectionLogger;
  onClosed?: (code: number) => void;
  /** The underlying socket is gone (closed or destroyed), after `onClosed`. */
  onGone?: () => void;
}

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY = 1008;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_INTERNAL = 1011;
export const CLOSE_TRY_LATER = 1013;
const CLOSE_NO_STATUS = 1005;
const CLOSE_ABNORMAL = 1006;

// ws's own error codes for frames it refuses, and the close code it sent for each.
const RECEIVE_ERROR_CLOSE_CODES: Record<string, number> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: CLOSE_TOO_BIG,
  WS_ERR_INVALID_UTF8: 1007,
};
const CLOSE_PROTOCOL_ERROR = 1002;
// A close reason is at most 123 bytes on the wire.
const MAX_REASON_BYTES = 123;

export class WsConnection implements ProtocolSocket {
  readonly ws: WebSocket;
  readonly #options: WsConnectionOptions;
  #closing = false;
  #reported = false;
  #gone = false;
  #graceTimer: NodeJS.Timeout | undefined;
  // Made only when someone waits (shutdown): an idle connection holds no promise of its own.
  #whenGone: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Frames sent in this tick wait in the corked socket: one write for all of them. */
  #corked: Socket | undefined;

  constructor(options: WsConnectionOptions) {
    this.#options = options;
    this.ws = options.ws;
    this.ws.on('close', (code: number) => {
      clearTimeout(this.#graceTimer);
      // 1005/1006 mean the peer gave no code or vanished: report the abnormal end as 1006.
      this.#report(code === CLOSE_NO_STATUS ? CLOSE_ABNORMAL : code);
      this.#gone = true;
      this.#options.onGone?.();
      this.#whenGone?.resolve();
    });
    this.ws.on('error', (error: Error & { code?: string }) => {
      // ws has already answered a malformed or oversized frame with a close; follow it up.
      const code = RECEIVE_ERROR_CLOSE_CODES[error.code ?? ''] ?? CLOSE_PROTOCOL_ERROR;
      options.logger.debug({ err: error, code }, 'websocket error');
      this.#closing = true;
      this.#armGraceTimer();
      this.#report(code);
    });
  }

  /** Settles once the underlying socket is gone (closed or destroyed). */
  whenGone(): Promise<void> {
    if (this.#gone) return Promise.resolve();
    if (this.#whenGone === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((settle) => (resolve = settle));
      this.#whenGone = { promise, resolve };
    }
    return this.#whenGone.promise;
  }

  get isOpen(): boolean {
    return !this.#closing && this.ws.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  sendJson(message: unknown): void {
    if (!this.isOpen) return;
    if (this.ws.bufferedAmount > this.#options.maxBufferedBytes) {
      this.#options.logger.info(
        { bufferedBytes: this.ws.bufferedAmount },
        'websocket client is not reading: closing it',
      );
      this.close(CLOSE_TRY_LATER, 'client too slow');
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (error) {
      this.#options.logger.error({ err: error }, 'a websocket message could not be serialized');
      return;
    }
    this.#corkUntilNextTick();
    this.ws.send(text);
  }

  /**
   * A token often goes out with others in the same tick (a chunk and the sentence it completes, the
   * last sentence and COMPLETION_ENDED): the socket is corked until the tick is over, so they leave
   * in one system call instead of one each. ws keeps its socket as `_socket` (not public API); without
   * it every frame is written at once, as ws does by itself.
   */
  #corkUntilNextTick(): void {
    if (this.#corked !== undefined) return;
    const socket = (this.ws as unknown as { _socket?: Socket })._socket;
    if (socket === undefined || typeof socket.cork !== 'function') return;
    socket.cork();
    this.#corked = socket;
    process.nextTick(this.#uncork);
  }

  readonly #uncork = (): void => {
    const socket = this.#corked;
    this.#corked = undefined;
    socket?.uncork();
  };

  close(code: number, reason?: string): void {
    if (this.#closing) return;
    this.#closing = true;
    try {
      this.ws.close(code, truncateReason(reason));
    } catch (error) {
      // An invalid close code from a protocol module: end the connection anyway.
      this.#options.logger.error({ err: error, code }, 'websocket close failed');
      this.ws.terminate();
    }
    // The closing frame waits behind whatever is buffered; a client that does not read never gets
    // it, so after the grace period the socket is destroyed and its buffers freed.
    this.#armGraceTimer();
    this.#report(code);
  }

  /** Ends the connection at once, without a closing handshake (a peer that stopped answering). */
  terminate(code = CLOSE_ABNORMAL): void {
    this.#closing = true;
    this.ws.terminate();
    this.#report(code);
  }

  #armGraceTimer(): void {
    if (this.#graceTimer !== undefined) return;
    this.#graceTimer = setTimeout(() => this.ws.terminate(), this.#options.closeGraceMs);
    this.#graceTimer.unref();
  }

  #report(code: number): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#options.onClosed?.(code);
  }
}

function truncateReason(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  const bytes = Buffer.from(reason, 'utf8');
  if (bytes.length <= MAX_REASON_BYTES) return reason;
  // Cut on a character boundary: decoding a cut multi-byte sequence yields U+FFFD, which is dropped.
  return bytes
    .subarray(0, MAX_REASON_BYTES - 3)
    .toString('utf8')
    .replace(/\uFFFD$/u, '');
}
