import { afterEach, describe, expect, it } from 'vitest';
import { NON_STREAMING_BYTES, startPacedUpstream, type PacedUpstream } from './paced-upstream.ts';

// The benchmark's upstream over real HTTP on loopback: the instant 1 KiB answer, and streams that
// honour `max_tokens` the way an OpenAI-compatible server does.

const CHUNKS = ['a ', 'b ', 'c ', 'd. '];
let upstream: PacedUpstream | undefined;

afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

async function post(body: unknown): Promise<Response> {
  upstream ??= await startPacedUpstream({ chunks: CHUNKS, paceMs: 1 });
  return fetch(`http://127.0.0.1:${upstream.port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The content chunks and the finish reason of an OpenAI chunk stream. */
function readStream(text: string): { contents: string[]; finishReason: string | undefined; done: boolean } {
  const contents: string[] = [];
  let finishReason: string | undefined;
  let done = false;
  for (const frame of text.split('\n\n')) {
    const data = frame.replace(/^data: /, '');
    if (data === '') continue;
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    const chunk = JSON.parse(data) as {
      choices: Array<{ delta?: { content?: string }; finish_reason?: string | null }>;
    };
    const choice = chunk.choices[0];
    if (choice?.delta?.content) contents.push(choice.delta.content);
    if (choice?.finish_reason) finishReason = choice.finish_reason;
  }
  return { contents, finishReason, done };
}

describe('the paced upstream', () => {
  it('answers a non-streaming request with the same 1 KiB chat.completion every time', async () => {
    const first = Buffer.from(await (await post({ model: 'bench', messages: [] })).arrayBuffer());
    const second = Buffer.from(await (await post({ model: 'bench', messages: [] })).arrayBuffer());
    expect(first.length).toBe(NON_STREAMING_BYTES);
    expect(second.equals(first)).toBe(true);
    const completion = JSON.parse(first.toString('utf8')) as {
      object: string;
      model: string;
      choices: Array<{ message: { content: string } }>;
    };
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('bench');
    expect(completion.choices[0]?.message.content.startsWith('a b c d. a b')).toBe(true);
  });

  it('streams every chunk and stops for "stop" without a token cap', async () => {
    const response = await post({ model: 'bench', stream: true, messages: [] });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const stream = readStream(await response.text());
    expect(stream.contents).toEqual(CHUNKS);
    expect(stream.finishReason).toBe('stop');
    expect(stream.done).toBe(true);
  });

  it('stops after max_tokens chunks with finish_reason "length"', async () => {
    const capped = readStream(await (await post({ model: 'bench', stream: true, max_tokens: 2 })).text());
    expect(capped.contents).toEqual(['a ', 'b ']);
    expect(capped.finishReason).toBe('length');
    const newer = readStream(
      await (await post({ model: 'bench', stream: true, max_completion_tokens: 3 })).text(),
    );
    expect(newer.contents).toEqual(['a ', 'b ', 'c ']);
  });

  it('stamps each chunk it writes for the request id found in the prompt', async () => {
    const response = await post({
      model: 'bench',
      stream: true,
      messages: [{ role: 'user', content: 'Benchmark request bench-id:run-7 please reply.' }],
    });
    await response.text();
    const timings = upstream!.takeTimings();
    expect(timings.map((timing) => timing.requestId)).toEqual(['run-7']);
    expect(timings[0]?.chunkSentAt).toHaveLength(CHUNKS.length);
    expect(upstream!.takeTimings()).toEqual([]);
  });
});
