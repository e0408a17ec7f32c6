import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SentenceSegmenter } from '../../src/core/sentence-segmenter.ts';
import { createStore } from '../../src/store/create-store.ts';
import { benchTokens } from './tokens.ts';
import { VoiceTurnDriver } from './voice-turn-driver.ts';

// The voice benchmark's turns are real ones: cai's VoiceSession, conversation engine and SQLite
// store between the fixed-delay engines, each turn stored like any spoken conversation's.

describe('VoiceTurnDriver', () => {
  const directory = mkdtempSync(join(tmpdir(), 'cai-bench-voice-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('runs spoken turns through the session and stores each as a user message and its reply', async () => {
    const store = await createStore({ url: `sqlite:${join(directory, 'voice.db')}` });
    const reply = benchTokens(20);
    const segmenter = new SentenceSegmenter();
    const sentenceToken = reply.findIndex((token) => segmenter.push(token).length > 0);
    try {
      const tenant = await store.createTenant({ name: 'voice' });
      const scope = { tenantId: tenant.id };
      const driver = await VoiceTurnDriver.open({
        store,
        scope,
        delays: { speechToTextMs: 2, firstTokenMs: 1, tokenPaceMs: 1, textToSpeechMs: 2 },
        heard: 'what is the weather today',
        reply,
        sentenceToken,
      });
      const measures = [await driver.turn(), await driver.turn()];
      driver.end();

      for (const measure of measures) {
        // The engines' time lies inside the turn's, by construction of the path.
        expect(measure.enginesMs).toBeGreaterThan(0);
        expect(measure.totalMs).toBeGreaterThanOrEqual(measure.enginesMs);
        expect(measure.overheadMs).toBeCloseTo(measure.totalMs - measure.enginesMs, 6);
      }
      const conversations = await store.listConversations(scope, {}, { offset: 0, limit: 10, order: 'asc' });
      expect(conversations.total).toBe(1);
      const messages = await store.listMessages(scope, conversations.items[0]!.id, {
        offset: 0,
        limit: 10,
        order: 'asc',
      });
      // Each reply went out whole before the next turn began: stored complete, as the model wrote it.
      expect(messages.items.map((message) => [message.role, message.content, message.status])).toEqual([
        ['user', 'what is the weather today', 'complete'],
        ['assistant', reply.join(''), 'complete'],
        ['user', 'what is the weather today', 'complete'],
        ['assistant', reply.join(''), 'complete'],
      ]);
    } finally {
      await store.close();
    }
  });
});
