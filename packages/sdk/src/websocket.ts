// The little of the WebSocket API the SDK uses, which both browsers' global WebSocket and the `ws`
// package (Node 20 has no global WebSocket) provide.

export interface WebSocketMessageEvent {
  data: unknown;
}

export interface WebSocketCloseEvent {
  code: number;
  reason: string;
}

export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: WebSocketMessageEvent) => void): void;
  addEventListener(type: 'close', listener: (event: WebSocketCloseEvent) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export const WEBSOCKET_OPEN = 1;

let imported: Promise<WebSocketConstructor> | undefined;

/** The given constructor, else the global WebSocket, else the `ws` package (Node). */
export function resolveWebSocket(given?: WebSocketConstructor): Promise<WebSocketConstructor> {
  if (given !== undefined) return Promise.resolve(given);
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global !== undefined) return Promise.resolve(global);
  imported ??= importWs();
  return imported;
}

async function importWs(): Promise<WebSocketConstructor> {
  // A variable specifier keeps browser bundlers from trying to bundle the Node-only package.
  const specifier = 'ws';
  try {
    const module = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as {
      default?: unknown;
      WebSocket?: unknown;
    };
    return (module.WebSocket ?? module.default) as WebSocketConstructor;
  } catch (error) {
    imported = undefined;
    throw new Error(
      'No WebSocket implementation: this runtime has no global WebSocket. Install the `ws` package or pass `WebSocket` in the options.',
      { cause: error },
    );
  }
}

/** Text of a message event; binary frames are decoded as UTF-8. */
export function messageText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data as Uint8Array);
  return String(data);
}

/** `http(s)://` → `ws(s)://`, so one base URL serves REST and sockets. */
export function toWebSocketUrl(url: string): URL {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  return parsed;
}
