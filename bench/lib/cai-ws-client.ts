import { WebSocket } from 'ws';
import { nowMs } from './clock.ts';
import type { StreamRecord, TokenTracker } from './token-tracker.ts';

// Doc 000's `WS /` as DESIGN.md fixes it: `CONNECTED` on connect; `COMPLETION {requestId, payload}`
// in; `COMPLETION_STARTED`, `COMPLETION_CHUNK {requestId, text}`…, `COMPLETION_ENDED` out.

export interface CaiWsConnection {
  ws: WebSocket;
  complete(options: {
    requestId: string;
    prompt: string;
    tracker: TokenTracker;
    timeoutMs: number;
  }): Promise<StreamRecord>;
  close(): void;
}

interface Doc000Message {
  type: string;
  requestId?: string;
  text?: string;
  finishReason?: string;
  code?: string;
  message?: string;
}

export function doc000Url(options: { port: number; apiKey: string; tenantId: string }): string {
  const authorization = encodeURIComponent(`Bearer ${options.apiKey}`);
  return `ws://127.0.0.1:${options.port}/?authorization=${authorization}&orgId=${encodeURIComponent(options.tenantId)}`;
}

export function doc004Url(options: { port: number; apiKey: string; userId: string }): string {
  return `ws://127.0.0.1:${options.port}/ws/chat?api_key=${encodeURIComponent(options.apiKey)}&user_id=${encodeURIComponent(options.userId)}`;
}

/** Opens a WebSocket and resolves once the server's greeting of type `greeting` arrived. */
export function openGreeted(options: {
  url: string;
  greeting: string;
  timeoutMs: number;
}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(options.url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no ${options.greeting} in ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    ws.once('unexpected-response', (_request, response) => {
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(`upgrade refused: HTTP ${response.statusCode}`));
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`closed with ${code} before ${options.greeting}`));
    });
    ws.once('message', (data) => {
      clearTimeout(timer);
      const message = JSON.parse(String(data)) as { type?: string };
      if (message.type === options.greeting) resolve(ws);
      else {
        ws.terminate();
        reject(new Error(`expected ${options.greeting}, got ${String(data).slice(0, 200)}`));
      }
    });
  });
}

export async function openCaiWs(options: {
  port: number;
  apiKey: string;
  tenantId: string;
  timeoutMs: number;
}): Promise<CaiWsConnection> {
  const ws = await openGreeted({
    url: doc000Url(options),
    greeting: 'CONNECTED',
    timeoutMs: options.timeoutMs,
  });
  const pending = new Map<string, { tracker: TokenTracker; finish: (error?: string) => void }>();
  ws.on('message', (data) => {
    const at = nowMs();
    const message = JSON.parse(String(data)) as Doc000Message;
    const waiting = message.requestId === undefined ? undefined : pending.get(message.requestId);
    if (message.type === 'ERROR' && waiting === undefined) {
      for (const other of pending.values()) other.finish(`${message.code}: ${message.message}`);
      return;
    }
    if (!waiting) return;
    if (message.type === 'COMPLETION_CHUNK' && message.text) waiting.tracker.onText(message.text, at);
    else if (message.type === 'COMPLETION_ENDED')
      waiting.finish(message.finishReason === 'stop' ? undefined : `finishReason ${message.finishReason}`);
    else if (message.type === 'ERROR') waiting.finish(`${message.code}: ${message.message}`);
  });
  ws.on('close', (code) => {
    for (const waiting of pending.values()) waiting.finish(`socket closed with ${code}`);
  });
  ws.on('error', () => undefined);
  return {
    ws,
    complete({ requestId, prompt, tracker, timeoutMs }) {
      return new Promise((resolve) => {
        const finish = (error?: string) => {
          if (!pending.has(requestId)) return;
          pending.delete(requestId);
          clearTimeout(timer);
          resolve(tracker.finish(error));
        };
        const timer = setTimeout(() => finish('timeout'), timeoutMs);
        pending.set(requestId, { tracker, finish });
        tracker.record.startedAt = nowMs();
        ws.send(JSON.stringify({ type: 'COMPLETION', requestId, payload: { prompt } }));
      });
    },
    close: () => ws.close(1000),
  };
}
