import { createCaiProtocol } from './cai-protocol.ts';
import { createChatStreamProtocol } from './chat-stream-protocol.ts';
import { createSessionChatProtocol } from './session-chat-protocol.ts';
import { createSignalingHealthProtocol } from './signaling-health-protocol.ts';
import { createSignalingProtocol } from './signaling-protocol.ts';
import { createVoiceProtocol } from './voice-protocol.ts';
import type { WsDependencies } from './ws-dependencies.ts';
import type { WsProtocol } from './ws-protocol.ts';

// Every WebSocket protocol cai serves, in the order their paths are matched.

export function buildWsProtocols(dependencies: WsDependencies): WsProtocol[] {
  return [
    createCaiProtocol(dependencies),
    createSessionChatProtocol(dependencies),
    createChatStreamProtocol(dependencies),
    createVoiceProtocol(dependencies),
    createSignalingProtocol(dependencies),
    createSignalingHealthProtocol(dependencies),
  ];
}
