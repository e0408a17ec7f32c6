import WebSocket from 'ws';
import type { WebSocketConstructor } from './websocket.ts';

// A `ws` WebSocket that remembers every socket it made, so a test can cut the client's current
// connection (terminate: no close frame, as when a network drops) and watch it reconnect.

export function trackedWebSocket(): { WebSocket: WebSocketConstructor; sockets: WebSocket[]; cut(): void } {
  const sockets: WebSocket[] = [];
  class TrackedWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return {
    WebSocket: TrackedWebSocket as unknown as WebSocketConstructor,
    sockets,
    cut() {
      const current = sockets.at(-1);
      if (current === undefined) throw new Error('no socket to cut');
      current.terminate();
    },
  };
}
