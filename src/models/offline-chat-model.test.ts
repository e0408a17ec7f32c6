import { describe, expect, it } from 'vitest';
import type { ChatModelMessage, ChatModelPart } from './chat-model.ts';
import { OFFLINE_MODEL_NAME, OfflineChatModel, offlineReply } from './offline-chat-model.ts';

const model = new OfflineChatModel({ tokenDelayMs: 0 });

async function collect(messages: ChatModelMessage[], signal = new AbortController().signal) {
  const parts: ChatModelPart[] = [];
  for await (const part of model.stream({ messages, signal })) parts.push(part);
  return parts;
}

const deltas = (parts: ChatModelPart[]) =>
  parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));

describe('OfflineChatModel', () => {
  it('names itself as the built-in stand-in', () => {
    expect(model.name).toBe('builtin:offline-stand-in');
    expect(OFFLINE_MODEL_NAME).toBe(model.name);
    expect(model.provider).toBe('builtin');
  });

  it('answers the same conversation the same way every time', async () => {
    const messages: ChatModelMessage[] = [{ role: 'user', content: 'What is the capital of France?' }];
    const first = await collect(messages);
    const second = await collect(messages);
    expect(second).toEqual(first);
  });

  it('says what it is, quotes the last user message and tells how to configure a real model', async () => {
    const parts = await collect([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'an answer' },
      { role: 'user', content: 'Tell me   a joke' },
    ]);
    const text = deltas(parts).join('');
    expect(text).toContain('offline stand-in');
    expect(text).toContain('"Tell me a joke"');
    expect(text).not.toContain('first question');
    expect(text).toMatch(/OPENAI_API_KEY/);
  });

  it('has several sentences, one with an abbreviation and one with a decimal number', () => {
    const text = offlineReply([{ role: 'user', content: 'hello' }]);
    expect(text).toContain('e.g.');
    expect(text).toMatch(/\d\.\d/);
    expect(text.split(/[.!?]\s+(?=[A-Z"])/).length).toBeGreaterThanOrEqual(4);
  });

  it('streams a word at a time, and the deltas add up to the reply', async () => {
    const messages: ChatModelMessage[] = [{ role: 'user', content: 'hello there' }];
    const words = deltas(await collect(messages));
    expect(words.length).toBeGreaterThan(20);
    expect(words.every((word) => word.trim().split(/\s+/).length === 1)).toBe(true);
    expect(words.join('')).toBe(offlineReply(messages));
  });

  it('finishes with usage counted as a token per four characters', async () => {
    const messages: ChatModelMessage[] = [{ role: 'user', content: 'abcdefgh' }];
    const finish = (await collect(messages)).at(-1);
    const outputTokens = Math.ceil(offlineReply(messages).length / 4);
    expect(finish).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 2, outputTokens, totalTokens: 2 + outputTokens },
      model: 'builtin:offline-stand-in',
    });
  });

  it('says so when the message is empty', async () => {
    expect(deltas(await collect([])).join('')).toContain('empty message');
  });

  it('stops at once when aborted, mid-word-delay included', async () => {
    const slow = new OfflineChatModel({ tokenDelayMs: 60_000 });
    const controller = new AbortController();
    const parts: ChatModelPart[] = [];
    const consumed = (async () => {
      for await (const part of slow.stream({
        messages: [{ role: 'user', content: 'hi' }],
        signal: controller.signal,
      })) {
        parts.push(part);
      }
    })();
    controller.abort();
    await expect(consumed).rejects.toMatchObject({ name: 'ModelError', kind: 'aborted' });
    expect(parts).toEqual([]);
  });
});
