import { AppError, isAppError } from '../../core/errors.ts';
import { SharedConnectionCounter } from '../../limits/shared-connection-counter.ts';
import { isPeerId, PEER_ID_RULE } from '../../signaling/peer-id.ts';
import { SignalingHub } from '../../signaling/signaling-hub.ts';
import type { ProtocolSocket } from './protocol-socket.ts';
import { refusalCloseCode, signalingError } from './signaling-frames.ts';
import { SignalingSession } from './signaling-session.ts';
import type { WsDependencies } from './ws-dependencies.ts';
import type { Admission, UpgradeRequest, WsProtocol } from './ws-protocol.ts';

// Doc 002, `WS /api/v1/webrtc/signal/{peer_id}/{company_api_key}` (DESIGN.md "Doc 002"): WebRTC
// signaling between the peers of a company, across every process (src/signaling/), and the AI
// for messages addressed to no peer. Reference: docs/api/webrtc-signaling.md.

const SIGNAL_PATH = /^\/api\/v1\/webrtc\/signal\/(.+)\/([^/]*)$/;
/** Doc 002's "Max message size: 1MB (1048576 bytes)". */
export const SIGNALING_MAX_MESSAGE_BYTES = 1_048_576;

export function createSignalingProtocol(dependencies: WsDependencies): WsProtocol {
  const { config, authenticator, logger, bus } = dependencies;
  const hub = new SignalingHub({ bus, logger });
  // The company cap holds across processes; while Redis is away it is counted per process.
  const counter = new SharedConnectionCounter({ leases: bus.connections, logger });

  async function admit(request: UpgradeRequest): Promise<Admission> {
    const key = decodeSegment(request.params['company_api_key']);
    if (key === undefined || key === '') {
      return {
        accepted: false,
        error: new AppError('AUTH_REQUIRED', {
          message: 'Put the company API key in the path: /api/v1/webrtc/signal/{peer_id}/{company_api_key}.',
        }),
      };
    }
    let principal;
    try {
      // The path's key only: this endpoint takes a company's API key, never a user token.
      principal = await authenticator.authenticate({ kind: 'api-key', value: key, source: 'path' });
    } catch (error) {
      if (isAppError(error))
        return { accepted: false, error: new AppError('AUTH_FAILED', { message: error.message }) };
      logger.error({ err: error }, 'authenticating a signaling connection failed');
      return { accepted: false, error: new AppError('INTERNAL_ERROR', { cause: error }) };
    }
    if (!isPeerId(decodeSegment(request.params['peer_id']))) {
      return {
        accepted: false,
        error: new AppError('VALIDATION_FAILED', { message: `Invalid peer ID: expected ${PEER_ID_RULE}.` }),
      };
    }
    return { accepted: true, principal };
  }

  return {
    name: 'signaling',
    match(pathname) {
      const found = SIGNAL_PATH.exec(pathname);
      return found === null ? undefined : { peer_id: found[1] ?? '', company_api_key: found[2] ?? '' };
    },
    maxMessageBytes: SIGNALING_MAX_MESSAGE_BYTES,
    messageRate: {
      limitName: 'LIMIT_SIGNALING_MESSAGES_PER_SECOND',
      perSecond: config.LIMIT_SIGNALING_MESSAGES_PER_SECOND,
    },
    // Doc 002's 300 s, in place of WS_IDLE_TIMEOUT_MS; the layer's sweep applies it.
    idleTimeoutMs: config.SIGNALING_IDLE_TIMEOUT_MS,
    // LIMIT_SIGNALING_PER_COMPANY, closing 4002, is counted by the session.
    ownConnectionCap: true,
    admit,
    refuse: refuseSignalingClient,
    open({ socket, principal, request, connectionId }) {
      const peerId = decodeSegment(request.params['peer_id']);
      // admit accepts only an API key and a valid peer id
      if (principal === null || !isPeerId(peerId)) throw new AppError('AUTH_FAILED');
      return new SignalingSession({
        dependencies,
        socket,
        principal,
        peerId,
        connectionId,
        hub,
        counter,
      });
    },
  };
}

/** `{"type":"error","code"}` with the close code, then the close: 4001, 4003, or 1011. */
export function refuseSignalingClient(socket: ProtocolSocket, error: AppError): void {
  const code = refusalCloseCode(error);
  socket.sendJson(signalingError(error, { code }));
  socket.close(code, error.code);
}

/** A path segment as the client meant it; undefined when its percent-encoding is broken. */
function decodeSegment(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
