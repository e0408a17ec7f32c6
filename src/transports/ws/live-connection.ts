import type { ConnectionLogger } from './lazy-child-logger.ts';
import type { RawData } from 'ws';
import type { Principal } from '../../auth/authenticator.ts';
import { AppError } from '../../core/errors.ts';
import type { MessageRateGate } from './message-rate-gate.ts';
import { CLOSE_INTERNAL, CLOSE_NORMAL, CLOSE_POLICY, type WsConnection } from './ws-connection.ts';
import type { ProtocolSession, WsProtocol } from './ws-protocol.ts';

// One accepted connection and its protocol session: messages in (rate limit, flood guard, in
// order), heartbeat, idle timeout, credential expiry, and the session's handlers kept from ever
// taking the process down.

export interface LiveConnectionOptions {
  id: string;
  protocol: WsProtocol;
  principal: Principal | null;
  connection: WsConnection;
  gate: MessageRateGate;
  /**
   * No client data frame for this long while the session is not busy closes with 1000 (0 = off).
   * Checked by the layer's idle sweep (`checkIdle`), not a timer per connection.
   */
  idleTimeoutMs: number;
  logger: ConnectionLogger;
}

// Node timers hold at most 2^31-1 ms; a later deadline is reached in steps.
const MAX_TIMER_MS = 2_147_483_647;
const MISSED_PONGS_TO_TERMINATE = 2;

export class LiveConnection {
  readonly id: string;
  readonly protocolName: string;
  readonly principal: Principal | null;
  readonly connection: WsConnection;
  readonly #options: LiveConnectionOptions;
  readonly #logger: ConnectionLogger;
  #session: ProtocolSession | undefined;
  #ended = false;
  #missedPongs = 0;
  /** performance.now() of the last client data frame (or of the start, or of the last busy check). */
  #lastActivity = performance.now();
  #expiryTimer: NodeJS.Timeout | undefined;
  // Messages are handled one after another, in the order they came, whatever the limits module's
  // pace. Made with the first message: an idle connection holds no promise.
  #queue: Promise<void> | undefined;

  constructor(options: LiveConnectionOptions) {
    this.#options = options;
    this.id = options.id;
    this.protocolName = options.protocol.name;
    this.principal = options.principal;
    this.connection = options.connection;
    this.#logger = options.logger;
  }

  /** Opens the protocol's session and starts listening. Call once, right after the upgrade. */
  start(request: Parameters<WsProtocol['open']>[0]['request']): void {
    const { ws } = this.connection;
    ws.on('message', (data: RawData, isBinary: boolean) => this.#receive(data, isBinary));
    ws.on('pong', () => {
      this.#missedPongs = 0;
    });
    try {
      this.#session = this.#options.protocol.open({
        socket: this.connection,
        principal: this.principal,
        request,
        connectionId: this.id,
      });
    } catch (error) {
      this.#logger.error({ err: error }, 'websocket session failed to open');
      this.close(CLOSE_INTERNAL, 'internal error');
      return;
    }
    this.#armExpiry();
  }

  /** A reply is streaming on this connection (shutdown lets it finish before closing). */
  get busy(): boolean {
    return this.#session?.busy === true;
  }

  get keyId(): string | undefined {
    return this.principal?.keyId;
  }

  get tenantId(): string | undefined {
    return this.principal?.tenantId;
  }

  close(code: number, reason?: string): void {
    this.connection.close(code, reason);
  }

  /** One heartbeat tick: ping, or end a peer that left the last pings unanswered. */
  heartbeat(): void {
    if (this.#ended) return;
    if (this.#missedPongs >= MISSED_PONGS_TO_TERMINATE) {
      this.#logger.info({ connectionId: this.id }, 'websocket peer stopped answering pings: terminating');
      this.connection.terminate();
      return;
    }
    this.#missedPongs += 1;
    try {
      this.connection.ws.ping();
    } catch {
      // Not open any more: the close is on its way.
    }
  }

  /** One idle sweep tick: closes the connection with 1000 once it has been idle for the timeout. */
  checkIdle(now: number): void {
    const idleMs = this.#options.idleTimeoutMs;
    if (idleMs <= 0 || this.#ended || now - this.#lastActivity < idleMs) return;
    // A reply still streaming is not idleness: look again a full period later.
    if (this.#session?.busy === true) this.#lastActivity = now;
    else this.close(CLOSE_NORMAL, 'idle');
  }

  /** The connection ended (told by WsConnection, exactly once): stop everything, tell the session. */
  ended(code: number): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#expiryTimer);
    // Deferred, so a session that closes its own socket is not re-entered from inside that call.
    queueMicrotask(() => this.#call('onClose', (session) => session.onClose(code)));
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (this.#ended) return;
    this.#lastActivity = performance.now();
    if (isBinary) {
      const buffer = toBuffer(data);
      this.#queue = (this.#queue ?? Promise.resolve()).then(() =>
        this.#call('onBinary', (session) => session.onBinary(buffer)),
      );
      return;
    }
    if (this.#options.gate.countFlood()) {
      this.#logger.info({ connectionId: this.id }, 'websocket message flood: closing');
      this.close(CLOSE_POLICY, 'message rate far over the limit');
      return;
    }
    const text = toBuffer(data).toString('utf8');
    this.#queue = (this.#queue ?? Promise.resolve()).then(async () => {
      const decision = await this.#options.gate.consume().catch((error: unknown) => {
        // The limits module is unreachable: let the message through rather than cut the user off.
        this.#logger.warn({ err: error }, 'websocket rate limit check failed');
        return { allowed: true as const };
      });
      if (decision.allowed) this.#call('onText', (session) => session.onText(text));
      else {
        const error = new AppError('RATE_LIMITED', {
          message: 'Too many messages on this connection; slow down.',
          retryAfterMs: decision.retryAfterMs,
        });
        this.#call('onRefused', (session) => session.onRefused(error));
      }
    });
  }

  /** Calls a session handler; a throw (or a rejected promise) is logged and, while open, closes 1011. */
  #call(handler: string, invoke: (session: ProtocolSession) => unknown): void {
    const session = this.#session;
    if (session === undefined || (this.#ended && handler !== 'onClose')) return;
    const fail = (error: unknown) => {
      this.#logger.error(
        { err: error, handler, protocol: this.protocolName },
        'websocket session handler failed',
      );
      this.close(CLOSE_INTERNAL, 'internal error');
    };
    try {
      const result = invoke(session);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  #armExpiry(): void {
    const expiresAt = this.principal?.expiresAt;
    if (expiresAt === undefined || this.#ended) return;
    const remaining = expiresAt.getTime() - Date.now();
    if (remaining <= 0) {
      this.close(CLOSE_POLICY, 'credential expired');
      return;
    }
    this.#expiryTimer = setTimeout(() => this.#armExpiry(), Math.min(remaining, MAX_TIMER_MS));
    this.#expiryTimer.unref();
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
