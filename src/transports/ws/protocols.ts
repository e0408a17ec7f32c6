import type { WsDependencies } from './ws-dependencies.ts';
import type { WsProtocol } from './ws-protocol.ts';

// Every WebSocket protocol cai serves, in the order their paths are matched.

export function buildWsProtocols(_dependencies: WsDependencies): WsProtocol[] {
  return [];
}
