import { request, type Agent } from 'node:http';
import { nowMs } from './clock.ts';
import type { StreamRecord, TokenTracker } from './token-tracker.ts';
import { promptFor } from './tokens.ts';

// One streamed request over HTTP with Server-Sent Events, read as it arrives. The dialect says
// which text an event carries: OpenAI's `data: {chunk}` (the upstream directly) or cai's
// `event: delta` (doc 002's `POST /api/v1/ai/chat`).

export type SseDialect = (event: string, data: string) => { text?: string; end?: boolean; error?: string };

export const openAiSse: SseDialect = (_event, data) => {
  if (data === '[DONE]') return { end: true };
  const chunk = JSON.parse(data) as {
    choices?: Array<{ delta?: { content?: string } }>;
    error?: { message?: string };
  };
  if (chunk.error) return { error: chunk.error.message ?? 'error' };
  return { text: chunk.choices?.[0]?.delta?.content ?? '' };
};

export const caiSse: SseDialect = (event, data) => {
  if (event === 'delta') return { text: (JSON.parse(data) as { content: string }).content };
  if (event === 'error') return { error: data };
  if (event === 'end') return { end: true };
  return {};
};

export function streamOverSse(options: {
  agent: Agent;
  port: number;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  dialect: SseDialect;
  tracker: TokenTracker;
  timeoutMs: number;
}): Promise<StreamRecord> {
  const { tracker, dialect } = options;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(tracker.finish(error));
    };
    const payload = JSON.stringify(options.body);
    tracker.record.startedAt = nowMs();
    const outgoing = request(
      {
        agent: options.agent,
        host: '127.0.0.1',
        port: options.port,
        path: options.path,
        method: 'POST',
        headers: {
          ...options.headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (response) => {
        if (response.statusCode !== 200) {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (part: string) => (text += part));
          response.on('end', () => finish(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`));
          return;
        }
        response.setEncoding('utf8');
        let buffer = '';
        response.on('data', (part: string) => {
          const at = nowMs();
          buffer += part;
          let boundary = buffer.indexOf('\n\n');
          while (boundary !== -1) {
            const frame = buffer.slice(0, boundary);
            buffer = buffer.slice(boundary + 2);
            boundary = buffer.indexOf('\n\n');
            let event = 'message';
            let data = '';
            for (const line of frame.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data += line.slice(line.startsWith('data: ') ? 6 : 5);
            }
            if (data === '') continue;
            const parsed = dialect(event, data);
            if (parsed.text) tracker.onText(parsed.text, at);
            if (parsed.error) return finish(parsed.error);
            if (parsed.end) {
              // Let the response end on its own so a keep-alive socket is reused.
              response.resume();
              return finish();
            }
          }
        });
        response.on('end', () => finish());
        response.on('error', (error) => finish(error.message));
      },
    );
    const timer = setTimeout(() => {
      outgoing.destroy();
      finish('timeout');
    }, options.timeoutMs);
    outgoing.on('error', (error) => finish(error.message));
    outgoing.end(payload);
  });
}

/** Doc 002's `POST /api/v1/ai/chat` with `"stream": true` to cai, the request id in the prompt. */
export function streamFromCai(options: {
  agent: Agent;
  server: { port: number; apiKey: string };
  requestId: string;
  tracker: TokenTracker;
  timeoutMs: number;
}): Promise<StreamRecord> {
  return streamOverSse({
    agent: options.agent,
    port: options.server.port,
    path: '/api/v1/ai/chat',
    headers: { authorization: `Bearer ${options.server.apiKey}` },
    body: { content: promptFor(options.requestId), stream: true },
    dialect: caiSse,
    tracker: options.tracker,
    timeoutMs: options.timeoutMs,
  });
}
