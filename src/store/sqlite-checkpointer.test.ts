import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStore } from './create-store.ts';
import type { Store } from './store.ts';

describe('background checkpoints of a SQLite file', () => {
  let directory: string;
  let path: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'cai-checkpoints-'));
    path = join(directory, 'cai.db');
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  /** About 400 KiB of messages: far below the 1,000 pages at which a commit would checkpoint. */
  async function writeMessages(store: Store): Promise<void> {
    const tenant = await store.createTenant({ name: 'Acme' });
    const scope = { tenantId: tenant.id };
    const conversation = await store.createConversation(scope, { userId: null });
    for (let index = 0; index < 100; index += 1) {
      await store.appendMessage(scope, {
        conversationId: conversation.id,
        role: 'user',
        content: 'x'.repeat(4000),
        status: 'complete',
      });
    }
  }

  const fileSize = () => statSync(path).size;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

  it('copies committed pages into the database file without a commit doing it', async () => {
    const store = await createStore({ url: `sqlite:${path}`, backgroundCheckpoints: true });
    try {
      const before = fileSize();
      await writeMessages(store);
      await settle();
      expect(fileSize() - before).toBeGreaterThan(400_000);
    } finally {
      await store.close();
    }
  });

  it('leaves the log alone without them, below the mark', async () => {
    const store = await createStore({ url: `sqlite:${path}` });
    try {
      const before = fileSize();
      await writeMessages(store);
      await settle();
      expect(fileSize() - before).toBeLessThan(100_000);
    } finally {
      await store.close();
    }
  });

  it('stops its worker thread before the store closes, so the last close removes the log', async () => {
    const threads = () => readdirSync('/proc/self/task').length;
    const threadsBefore = threads();
    const store = await createStore({ url: `sqlite:${path}`, backgroundCheckpoints: true });
    expect(threads()).toBe(threadsBefore + 1);
    await writeMessages(store);
    expect(existsSync(`${path}-wal`)).toBe(true);
    await store.close();
    expect(threads()).toBe(threadsBefore);
    expect(existsSync(`${path}-wal`)).toBe(false);
    // Reopened, everything is there.
    const reopened = await createStore({ url: `sqlite:${path}` });
    try {
      expect(await reopened.ping()).toBeUndefined();
    } finally {
      await reopened.close();
    }
  });
});
