import type { Principal } from '../../auth/authenticator.ts';
import { readCredential } from '../../auth/credentials.ts';
import { AppError, isAppError } from '../../core/errors.ts';
import { CaiConnection } from './cai-connection.ts';
import { caiError } from './cai-errors.ts';
import type { CaiSession } from './cai-session.ts';
import type { ProtocolSocket } from './protocol-socket.ts';
import { ResumeRegistry } from './resume-registry.ts';
import type { WsDependencies } from './ws-dependencies.ts';
import type { Admission, UpgradeRequest, WsProtocol } from './ws-protocol.ts';

// Doc 000, `WS /?authorization=Bearer%20…&orgId=…` (DESIGN.md "Doc 000"): streaming completions
// with voice-agent flow control, resumable. `GET /` without an upgrade stays the health check.
// Reference: docs/api/cai-websocket.md.

/** Sent messages are kept this many grace periods, so what was in flight when a socket dropped is still there. */
const RETAIN_GRACE_PERIODS = 2;
const MIN_RETAIN_MS = 10_000;

export interface CaiProtocol extends WsProtocol {
  /** Sessions a client may resume (exposed for shutdown and tests). */
  readonly sessions: ResumeRegistry<CaiSession>;
}

export function createCaiProtocol(dependencies: WsDependencies): CaiProtocol {
  const { config, authenticator } = dependencies;
  const sessions = new ResumeRegistry<CaiSession>({ graceMs: config.RESUME_GRACE_MS });
  const retainMs = Math.max(MIN_RETAIN_MS, config.RESUME_GRACE_MS * RETAIN_GRACE_PERIODS);

  async function admit(request: UpgradeRequest): Promise<Admission> {
    let principal: Principal;
    try {
      const credential = readCredential({
        headers: request.headers,
        query: request.url.searchParams,
        params: request.params,
      });
      principal = await authenticator.authenticate(credential);
    } catch (error) {
      if (!isAppError(error)) {
        dependencies.logger.error({ err: error }, 'authenticating a cai connection failed');
        return { accepted: false, error: new AppError('INTERNAL_ERROR', { cause: error }) };
      }
      return { accepted: false, error: new AppError('AUTH_FAILED', { message: error.message }) };
    }
    const orgId = request.url.searchParams.get('orgId');
    if (orgId === null || orgId === '') {
      return {
        accepted: false,
        error: new AppError('INVALID_ORG', { message: 'The orgId query parameter is required.' }),
      };
    }
    // Another tenant's id and an unknown one answer alike, so ids cannot be probed.
    if (orgId !== principal.tenantId) return { accepted: false, error: new AppError('INVALID_ORG') };
    return { accepted: true, principal };
  }

  return {
    name: 'cai',
    sessions,
    // Parked sessions cannot be resumed on a process that is going away.
    shutdown: () => sessions.expireAll(),
    match: (pathname) => (pathname === '/' ? {} : undefined),
    maxMessageBytes: config.WS_MAX_MESSAGE_BYTES,
    admit,
    refuse: refuseCaiClient,
    open({ socket, principal, connectionId }) {
      if (principal === null) throw new AppError('AUTH_FAILED'); // admit never accepts anonymous clients
      return new CaiConnection({
        socket,
        principal,
        connectionId,
        registry: sessions,
        dependencies,
        retainMs,
      });
    },
  };
}

/** `{"type":"ERROR",…}` then close: 1013 (try later) for RATE_LIMITED, 1011 for a server fault, else 1008. */
export function refuseCaiClient(socket: ProtocolSocket, error: AppError): void {
  const message = caiError(error);
  if (message.code === 'RATE_LIMITED') {
    socket.sendJson({ ...message, retryAfterMs: message.retryAfterMs ?? 1000 });
    socket.close(1013, 'Too many connections.');
    return;
  }
  socket.sendJson(message);
  const serverFault = error.code === 'INTERNAL_ERROR' || error.code === 'SERVICE_UNAVAILABLE';
  socket.close(serverFault ? 1011 : 1008, message.code);
}
