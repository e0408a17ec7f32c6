import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/create-store.ts';
import { seedConversations, seededContent } from './history-seed.ts';

// Seeding writes through cai's own Store into a real SQLite file, as the server will read it.

describe('seedConversations', () => {
  const directory = mkdtempSync(join(tmpdir(), 'cai-bench-seed-'));
  const databaseUrl = `sqlite:${join(directory, 'cai.db')}`;
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('stores each conversation with its number of alternating messages, oldest first', async () => {
    const setup = await createStore({ url: databaseUrl });
    const tenant = await setup.createTenant({ name: 'bench' });
    await setup.close();

    const seeded = await seedConversations({ databaseUrl, tenantId: tenant.id, sizes: [3, 60] });
    expect(seeded.map((conversation) => conversation.size)).toEqual([3, 60]);
    expect(seeded[1]?.contents[59]).toBe(seededContent(59));

    const store = await createStore({ url: databaseUrl });
    try {
      const scope = { tenantId: tenant.id };
      const small = await store.listMessages(scope, seeded[0]!.conversationId, {
        offset: 0,
        limit: 10,
        order: 'asc',
      });
      expect(small.total).toBe(3);
      expect(small.items.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);

      // The engine's window reads the newest messages: the last seeded ones, in order.
      const window = await store.recentMessages(scope, seeded[1]!.conversationId, 50);
      expect(window).toHaveLength(50);
      expect(window.map((message) => message.content)).toEqual(seeded[1]!.contents.slice(10));
      expect(window.at(-1)?.role).toBe('assistant');
    } finally {
      await store.close();
    }
  });
});
