import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../../auth/authenticator.ts';
import type { AppError } from '../../core/errors.ts';
import type { ProtocolSocket } from './protocol-socket.ts';

// The contract between the one WebSocket layer (ws-layer.ts: upgrade, origin check, limits,
// heartbeat, idle timeout, backpressure, revocation) and each protocol module (cai, session-chat,
// chat-stream, voice, signaling). A protocol module only translates wire messages to engine calls
// and engine events to wire messages.

export interface UpgradeRequest {
  /** Path and query of the upgrade request, parsed (`url.searchParams` holds the query). */
  url: URL;
  headers: IncomingHttpHeaders;
  /** Client address (X-Forwarded-For honoured when TRUST_PROXY is set). */
  ip: string;
  /** Path parameters captured by the protocol's `match` (signaling's peer_id and key). */
  params: Record<string, string>;
}

/** Who is connecting, decided before the upgrade completes. */
export type Admission =
  | {
      accepted: true;
      /** null for anonymous connections (doc 001 with ALLOW_ANONYMOUS). */
      principal: Principal | null;
    }
  | {
      accepted: false;
      /**
       * Why. The documents want refusals in-band (doc 000: ERROR AUTH_FAILED then close 1008;
       * doc 002: close 4001), so the layer completes the upgrade, calls `refuse` and closes.
       */
      error: AppError;
    };

export interface WsProtocol {
  /** Short name for logs and metrics: 'cai', 'session-chat', 'chat-stream', 'voice', 'signaling'. */
  readonly name: string;
  /** Path parameters when this protocol serves the path (`/`, `/chat/`, `/ws/chat`…), else undefined. */
  match(pathname: string): Record<string, string> | undefined;
  /** Largest accepted message in bytes; over it the layer closes with 1009. */
  readonly maxMessageBytes: number;
  /**
   * The protocol's own per-connection message rate, when its traffic differs from text chat's
   * (doc 001 streams audio: LIMIT_VOICE_MESSAGES_PER_SECOND). Without it the layer applies
   * LIMIT_WS_MESSAGES_PER_SECOND with the tenant's override. `perSecond` 0 = no limit.
   */
  readonly messageRate?: { limitName: string; perSecond: number };
  /**
   * No client data frame for this long, while the session is not busy, closes with 1000; in place
   * of WS_IDLE_TIMEOUT_MS (signaling: SIGNALING_IDLE_TIMEOUT_MS). 0 = never.
   */
  readonly idleTimeoutMs?: number;
  /**
   * True when the protocol caps its connections itself (signaling: LIMIT_SIGNALING_PER_COMPANY,
   * close 4002), so the layer does not count them toward LIMIT_CONNECTIONS_PER_TENANT or
   * LIMIT_ANON_CONNECTIONS_PER_IP.
   */
  readonly ownConnectionCap?: boolean;
  /** Authenticates (every credential form via src/auth/credentials.ts). Must not throw: refusals are Admissions. */
  admit(request: UpgradeRequest): Promise<Admission>;
  /** Tells a refused client why, in the protocol's own shape, and closes the socket. */
  refuse(socket: ProtocolSocket, error: AppError): void;
  /** Shutdown, once every socket is closed: end what outlives sockets (parked resumable sessions). */
  shutdown?(): void;
  /** The protocol's session for an accepted connection. */
  open(options: {
    socket: ProtocolSocket;
    principal: Principal | null;
    request: UpgradeRequest;
    connectionId: string;
  }): ProtocolSession;
}

export interface ProtocolSession {
  /** One text frame, already within maxMessageBytes and the message rate limit. */
  onText(text: string): void;
  /** One binary frame. Text protocols answer it with their invalid-message error. */
  onBinary(data: Buffer): void;
  /**
   * The layer refused something in the middle of a connection (RATE_LIMITED with retryAfterMs
   * when the client sends more than LIMIT_WS_MESSAGES_PER_SECOND): report it in the protocol's
   * shape. The connection stays open.
   */
  onRefused(error: AppError): void;
  /**
   * The socket is gone (client left, heartbeat lost, revoked, shutdown). A resumable protocol may
   * keep its running replies alive for the resume grace period (resume-registry.ts).
   */
  onClose(code: number): void;
  /** True while a reply is streaming: the idle timeout does not close a busy connection. */
  readonly busy?: boolean;
}
