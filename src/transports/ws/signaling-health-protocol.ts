import type { AppError } from '../../core/errors.ts';
import { signalingHealth } from '../../signaling/signaling-health.ts';
import type { ProtocolSocket } from './protocol-socket.ts';
import type { WsDependencies } from './ws-dependencies.ts';
import type { ProtocolSession, WsProtocol } from './ws-protocol.ts';

// Doc 002's `WS /api/v1/webrtc/health`: the signaling service's health, `{"status","timestamp"}`,
// sent on connect and again for every frame the client sends (any text: `ping`, `{}`…). Public like
// `GET /health`, so a monitor needs no key; the layer caps it per address like anonymous voice.

const HEALTH_PATHS = new Set(['/api/v1/webrtc/health', '/api/v1/webrtc/health/']);
const MAX_MESSAGE_BYTES = 1024;

export function createSignalingHealthProtocol(dependencies: Pick<WsDependencies, 'bus'>): WsProtocol {
  return {
    name: 'signaling-health',
    match: (pathname) => (HEALTH_PATHS.has(pathname) ? {} : undefined),
    maxMessageBytes: MAX_MESSAGE_BYTES,
    admit: async () => ({ accepted: true, principal: null }),
    refuse(socket: ProtocolSocket, error: AppError) {
      socket.sendJson({
        status: 'unhealthy',
        timestamp: new Date().toISOString(),
        error: error.message,
        code: error.code,
      });
      socket.close(error.code === 'RATE_LIMITED' ? 1013 : 1011, error.code);
    },
    open({ socket }): ProtocolSession {
      const report = () => {
        void signalingHealth(dependencies.bus).then((health) => socket.sendJson(health));
      };
      report();
      return {
        onText: report,
        onBinary: report,
        onRefused: (error) => socket.sendJson({ type: 'error', code: error.code, message: error.message }),
        onClose: () => undefined,
      };
    },
  };
}
