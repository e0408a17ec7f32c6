import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChatCompletionsStreamReader } from './chat-completions-stream-reader.ts';
import { ChatCompletionsTextQueue } from './chat-completions-text-queue.ts';
import { chunkEvent } from './chat-completions-test-helpers.ts';

// The queue between a response's 'data' events and the generator that pulls its texts, over a real
// Readable standing in for the response body.

function queueOver(body: PassThrough) {
  return new ChatCompletionsTextQueue(
    body as unknown as IncomingMessage,
    new ChatCompletionsStreamReader('openai:test'),
  );
}

/** Every text the queue gives until it says '' (nothing yet) or null (ended). */
function drain(queue: ChatCompletionsTextQueue): Array<string | null> {
  const texts: Array<string | null> = [];
  for (let text = queue.take(); ; text = queue.take()) {
    if (text === '') return texts;
    texts.push(text);
    if (text === null) return texts;
  }
}

describe('ChatCompletionsTextQueue', () => {
  it('gives the texts in order, wakes a waiting reader, and says null at the end', async () => {
    const body = new PassThrough();
    const queue = queueOver(body);
    expect(queue.take()).toBe('');
    const arrived = queue.arrival();
    body.write(chunkEvent({ content: 'One' }) + chunkEvent({ content: ' two' }));
    await arrived;
    expect(drain(queue)).toEqual(['One', ' two']);
    body.end(chunkEvent({ finish: 'stop' }));
    await queue.arrival();
    expect(drain(queue)).toEqual([null]);
  });

  it('pauses the response while more than 64 texts wait, and resumes once they are taken', async () => {
    const body = new PassThrough();
    const queue = queueOver(body);
    body.write(Array.from({ length: 70 }, (_, index) => chunkEvent({ content: `t${index}` })).join(''));
    await new Promise((resolve) => setImmediate(resolve));
    expect(body.isPaused()).toBe(true);
    const texts = drain(queue);
    expect(texts).toHaveLength(70);
    expect(texts.at(-1)).toBe('t69');
    expect(body.isPaused()).toBe(false);
  });

  it('gives the texts before a malformed event, then throws', async () => {
    const body = new PassThrough();
    const queue = queueOver(body);
    const arrived = queue.arrival();
    body.write(
      `${chunkEvent({ content: 'Kept' })}data: {"choices":\n\n${chunkEvent({ content: 'Dropped' })}`,
    );
    await arrived;
    expect(queue.take()).toBe('Kept');
    expect(() => queue.take()).toThrow(/malformed stream/);
  });

  it('throws when the response closes without ending, so that no reader waits forever', async () => {
    const body = new PassThrough();
    const queue = queueOver(body);
    const arrived = queue.arrival();
    body.destroy();
    await arrived;
    expect(() => queue.take()).toThrow(/closed before it ended/);
  });
});
