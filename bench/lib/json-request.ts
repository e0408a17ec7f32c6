import { request, type Agent } from 'node:http';
import { nowMs } from './clock.ts';

// One non-streaming request over HTTP/1.1 keep-alive: the body sent, the whole answer read, the
// time from the first byte written to the last byte read. The body is serialized once by the
// caller, so the load generator spends as little as it can per request.

export interface JsonTarget {
  port: number;
  path: string;
  headers: Record<string, string>;
  /** The request body, already serialized. */
  body: Buffer;
  /** Checks the answer's body; answers why it is wrong, or undefined when it is right. */
  check?: (body: Buffer) => string | undefined;
}

export interface RequestOutcome {
  latencyMs: number;
  error?: string;
}

export function sendJson(target: JsonTarget, agent: Agent, timeoutMs = 30_000): Promise<RequestOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const startedAt = nowMs();
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ latencyMs: nowMs() - startedAt, ...(error === undefined ? {} : { error }) });
    };
    const outgoing = request(
      {
        agent,
        host: '127.0.0.1',
        port: target.port,
        path: target.path,
        method: 'POST',
        headers: {
          ...target.headers,
          'content-type': 'application/json',
          'content-length': target.body.length,
        },
      },
      (response) => {
        const parts: Buffer[] = [];
        response.on('data', (part: Buffer) => parts.push(part));
        response.on('end', () => {
          const body = Buffer.concat(parts);
          if (response.statusCode !== 200) {
            return finish(`HTTP ${response.statusCode}: ${body.toString('utf8').slice(0, 200)}`);
          }
          finish(target.check?.(body));
        });
        response.on('error', (error) => finish(error.message));
      },
    );
    const timer = setTimeout(() => {
      outgoing.destroy();
      finish('timeout');
    }, timeoutMs);
    outgoing.on('error', (error) => finish(error.message));
    outgoing.end(target.body);
  });
}

/** An OpenAI `chat.completion` whose reply is non-empty text. */
export function checkChatCompletion(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      choices?: Array<{ message?: { content?: unknown } }>;
    };
    const content = parsed.choices?.[0]?.message?.content;
    return typeof content === 'string' && content !== '' ? undefined : 'no reply text in the completion';
  } catch {
    return 'the answer is not JSON';
  }
}

/** Doc 002's `/api/v1/ai/chat` answer: the reply's `content`, finished normally. */
export function checkAiChatReply(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { content?: unknown; finish_reason?: unknown };
    if (parsed.finish_reason !== 'stop') return `finish_reason ${String(parsed.finish_reason)}`;
    return typeof parsed.content === 'string' && parsed.content !== '' ? undefined : 'no reply content';
  } catch {
    return 'the answer is not JSON';
  }
}
