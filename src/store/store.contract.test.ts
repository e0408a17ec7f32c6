import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMIT_NAMES } from '../core/domain.ts';
import type { Page, Scope } from '../core/domain.ts';
import { isAppError } from '../core/errors.ts';
import { uuidv7 } from '../core/ids.ts';
import { createStore } from './create-store.ts';
import type { NewMessage, Store } from './store.ts';
import { mustRunPostgresTests, probePostgres, testSchema } from './testing/postgres-test-schema.ts';

// One contract, two databases: whatever the dialect, the Store answers the same.

interface Database {
  url: string;
  cleanup(): Promise<void>;
}

const postgresProbe = await probePostgres();

const databases: Array<{ name: string; run: boolean; open(): Database }> = [
  {
    name: 'SQLite',
    run: true,
    open() {
      const directory = mkdtempSync(join(tmpdir(), 'cai-store-contract-'));
      return {
        url: `sqlite:${join(directory, 'nested', 'cai.db')}`,
        cleanup: async () => rmSync(directory, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'PostgreSQL',
    run: mustRunPostgresTests(postgresProbe),
    open() {
      const schema = testSchema('store_contract');
      return { url: schema.url, cleanup: () => schema.drop() };
    },
  },
];

const firstPage: Page = { offset: 0, limit: 100, order: 'asc' };

function expectAppError(code: string) {
  return (error: unknown) => isAppError(error) && error.code === code;
}

for (const entry of databases) {
  describe.skipIf(!entry.run)(`Store contract on ${entry.name}`, () => {
    let database: Database;
    let store: Store;

    beforeAll(async () => {
      if (entry.name === 'PostgreSQL' && !postgresProbe.available) throw new Error(postgresProbe.reason);
      database = entry.open();
      store = await createStore({ url: database.url });
    });

    afterAll(async () => {
      await store?.close();
      await database?.cleanup();
    });

    async function newTenant(): Promise<Scope> {
      const tenant = await store.createTenant({ name: 'Acme' });
      return { tenantId: tenant.id };
    }

    function userMessage(conversationId: string, extra: Partial<NewMessage> = {}): NewMessage {
      return { conversationId, role: 'user', content: 'hello', status: 'complete', ...extra };
    }

    it('answers its dialect', () => {
      expect(store.dialect).toBe(entry.name === 'SQLite' ? 'sqlite' : 'postgres');
    });

    describe('tenants', () => {
      it('creates a tenant and reads it back', async () => {
        const tenant = await store.createTenant({ name: 'Acme Corp' });
        expect(tenant).toMatchObject({ name: 'Acme Corp', limits: {} });
        expect(Date.parse(tenant.createdAt)).not.toBeNaN();
        expect(await store.getTenant(tenant.id)).toEqual(tenant);
      });

      it('creates a built-in tenant under a chosen id, once', async () => {
        const id = uuidv7();
        const tenant = await store.createTenant({ id, name: 'anonymous' });
        expect(tenant).toMatchObject({ id, name: 'anonymous' });
        expect(await store.getTenant(id)).toEqual(tenant);
        await expect(store.createTenant({ id, name: 'anonymous' })).rejects.toThrow();
      });

      it('answers undefined for an unknown tenant', async () => {
        expect(await store.getTenant(uuidv7())).toBeUndefined();
      });

      it('sets a limit override and unsets it again', async () => {
        const { tenantId } = await newTenant();
        const set = await store.setTenantLimit(tenantId, 'LIMIT_REST_PER_MINUTE', 5);
        expect(set?.limits).toEqual({ LIMIT_REST_PER_MINUTE: 5 });
        await store.setTenantLimit(tenantId, 'LIMIT_AI_REQUESTS_PER_WEEK', 0);
        expect((await store.getTenant(tenantId))?.limits).toEqual({
          LIMIT_REST_PER_MINUTE: 5,
          LIMIT_AI_REQUESTS_PER_WEEK: 0,
        });
        const unset = await store.setTenantLimit(tenantId, 'LIMIT_REST_PER_MINUTE', null);
        expect(unset?.limits).toEqual({ LIMIT_AI_REQUESTS_PER_WEEK: 0 });
        expect((await store.getTenant(tenantId))?.limits).toEqual({ LIMIT_AI_REQUESTS_PER_WEEK: 0 });
      });

      it('keeps every limit set concurrently', async () => {
        const { tenantId } = await newTenant();
        const names = LIMIT_NAMES.slice(0, 5);
        await Promise.all(names.map((name, index) => store.setTenantLimit(tenantId, name, index + 1)));
        expect((await store.getTenant(tenantId))?.limits).toEqual(
          Object.fromEntries(names.map((name, index) => [name, index + 1])),
        );
      });

      it('answers undefined when setting a limit of an unknown tenant', async () => {
        expect(await store.setTenantLimit(uuidv7(), 'LIMIT_REST_PER_MINUTE', 1)).toBeUndefined();
      });
    });

    describe('API keys', () => {
      it('finds a key by its prefix', async () => {
        const { tenantId } = await newTenant();
        const prefix = `cai_${uuidv7().slice(-12)}`;
        const key = await store.createApiKey({ tenantId, prefix, hash: 'a'.repeat(64) });
        expect(key).toMatchObject({ tenantId, prefix, hash: 'a'.repeat(64), revokedAt: null });
        expect(await store.findApiKeyByPrefix(prefix)).toEqual(key);
        expect(await store.findApiKeyByPrefix(`${prefix}x`)).toBeUndefined();
      });

      it('refuses a second key with the same prefix', async () => {
        const { tenantId } = await newTenant();
        const prefix = `cai_${uuidv7().slice(-12)}`;
        await store.createApiKey({ tenantId, prefix, hash: 'a' });
        await expect(store.createApiKey({ tenantId, prefix, hash: 'b' })).rejects.toSatisfy(
          expectAppError('CONFLICT'),
        );
      });

      it('revokes a key once, keeping the first revocation time', async () => {
        const { tenantId } = await newTenant();
        const key = await store.createApiKey({ tenantId, prefix: `cai_${uuidv7().slice(-12)}`, hash: 'h' });
        const revoked = await store.revokeApiKey(key.id);
        expect(revoked?.revokedAt).toEqual(expect.any(String));
        expect(await store.findApiKeyByPrefix(key.prefix)).toEqual(revoked);
        const again = await store.revokeApiKey(key.id);
        expect(again?.revokedAt).toBe(revoked?.revokedAt);
      });

      it('answers undefined when revoking an unknown key', async () => {
        expect(await store.revokeApiKey(uuidv7())).toBeUndefined();
      });

      it('tells which of the given keys are revoked, leaving out live and unknown ones', async () => {
        const { tenantId } = await newTenant();
        const newKey = () =>
          store.createApiKey({ tenantId, prefix: `cai_${uuidv7().slice(-12)}`, hash: 'h' });
        const [live, revoked, alsoRevoked] = [await newKey(), await newKey(), await newKey()];
        await store.revokeApiKey(revoked.id);
        await store.revokeApiKey(alsoRevoked.id);
        const answer = await store.revokedApiKeyIds([
          live.id,
          revoked.id,
          uuidv7(),
          alsoRevoked.id,
          revoked.id,
        ]);
        expect(answer.sort()).toEqual([revoked.id, alsoRevoked.id].sort());
        expect(await store.revokedApiKeyIds([])).toEqual([]);
      });

      it('answers for more keys than one query takes', async () => {
        const { tenantId } = await newTenant();
        const key = await store.createApiKey({ tenantId, prefix: `cai_${uuidv7().slice(-12)}`, hash: 'h' });
        await store.revokeApiKey(key.id);
        const unknown = Array.from({ length: 1200 }, () => uuidv7());
        expect(await store.revokedApiKeyIds([...unknown, key.id])).toEqual([key.id]);
      });
    });

    describe('users', () => {
      it('creates a user on first sight only, per tenant', async () => {
        const first = await newTenant();
        const second = await newTenant();
        expect(await store.ensureUser(first.tenantId, 'alice')).toEqual({ created: true });
        expect(await store.ensureUser(first.tenantId, 'alice')).toEqual({ created: false });
        expect(await store.ensureUser(second.tenantId, 'alice')).toEqual({ created: true });
      });
    });

    describe('conversations', () => {
      it('creates a conversation and reads it back', async () => {
        const scope = await newTenant();
        const conversation = await store.createConversation(scope, {
          userId: 'alice',
          title: 'Trip',
          metadata: { topic: 'travel', nested: { depth: 1 } },
        });
        expect(conversation).toMatchObject({
          tenantId: scope.tenantId,
          userId: 'alice',
          title: 'Trip',
          metadata: { topic: 'travel', nested: { depth: 1 } },
        });
        expect(conversation.createdAt).toBe(conversation.updatedAt);
        expect(await store.getConversation(scope, conversation.id)).toEqual(conversation);
      });

      it('defaults title and metadata, and takes an id chosen by the caller', async () => {
        const scope = await newTenant();
        const id = uuidv7();
        const conversation = await store.createConversation(scope, { id, userId: null });
        expect(conversation).toMatchObject({ id, userId: null, title: null, metadata: {} });
        expect(await store.getConversation(scope, id)).toEqual(conversation);
      });

      it('refuses a chosen id that is taken', async () => {
        const scope = await newTenant();
        const conversation = await store.createConversation(scope, { userId: null });
        const other = await newTenant();
        await expect(
          store.createConversation(other, { id: conversation.id, userId: null }),
        ).rejects.toSatisfy(expectAppError('CONFLICT'));
      });

      it("hides another tenant's conversation", async () => {
        const owner = await newTenant();
        const stranger = await newTenant();
        const conversation = await store.createConversation(owner, { userId: 'alice' });
        expect(await store.getConversation(stranger, conversation.id)).toBeUndefined();
        expect(
          await store.getConversation({ ...stranger, userId: 'alice' }, conversation.id),
        ).toBeUndefined();
        expect((await store.listConversations(stranger, {}, firstPage)).total).toBe(0);
      });

      it("hides another user's conversation from a user scope, not from the tenant", async () => {
        const tenant = await newTenant();
        const alice = { ...tenant, userId: 'alice' };
        const bob = { ...tenant, userId: 'bob' };
        const conversation = await store.createConversation(alice, { userId: 'alice' });
        expect(await store.getConversation(bob, conversation.id)).toBeUndefined();
        expect(await store.getConversation(alice, conversation.id)).toEqual(conversation);
        expect(await store.getConversation(tenant, conversation.id)).toEqual(conversation);
        expect((await store.listConversations(bob, {}, firstPage)).items).toEqual([]);
      });

      it("makes a user scope's conversation its own user's, whatever the input says", async () => {
        const tenant = await newTenant();
        const conversation = await store.createConversation(
          { ...tenant, userId: 'alice' },
          { userId: 'bob' },
        );
        expect(conversation.userId).toBe('alice');
        expect(await store.getConversation({ ...tenant, userId: 'bob' }, conversation.id)).toBeUndefined();
      });

      it('lists by updated time then id, with totals, offsets and both orders', async () => {
        const scope = await newTenant();
        const created = [];
        for (let index = 0; index < 5; index += 1) {
          created.push(await store.createConversation(scope, { userId: index % 2 === 0 ? 'alice' : 'bob' }));
        }
        // A new message moves the oldest conversation to the front. Timestamps have millisecond
        // resolution: on a fast machine all five may share one, so the message comes a moment later.
        await new Promise((resolve) => setTimeout(resolve, 5));
        await store.appendMessage(scope, userMessage(created[0]!.id));
        const expectedAscending = [...created.slice(1), created[0]!].map((conversation) => conversation.id);

        const ascending = await store.listConversations(scope, {}, { offset: 0, limit: 100, order: 'asc' });
        expect(ascending.total).toBe(5);
        expect(ascending.items.map((conversation) => conversation.id)).toEqual(expectedAscending);

        const descending = await store.listConversations(scope, {}, { offset: 1, limit: 2, order: 'desc' });
        expect(descending.total).toBe(5);
        expect(descending.items.map((conversation) => conversation.id)).toEqual(
          [...expectedAscending].reverse().slice(1, 3),
        );

        const beyond = await store.listConversations(scope, {}, { offset: 10, limit: 2, order: 'asc' });
        expect(beyond).toEqual({ items: [], total: 5 });
      });

      it('filters a list by user', async () => {
        const scope = await newTenant();
        await store.createConversation(scope, { userId: 'alice' });
        await store.createConversation(scope, { userId: 'bob' });
        await store.createConversation(scope, { userId: 'alice' });
        const alices = await store.listConversations(scope, { userId: 'alice' }, firstPage);
        expect(alices.total).toBe(2);
        expect(alices.items.every((conversation) => conversation.userId === 'alice')).toBe(true);
        // A user scope cannot widen itself with the filter.
        const crossed = await store.listConversations(
          { ...scope, userId: 'bob' },
          { userId: 'alice' },
          firstPage,
        );
        expect(crossed).toEqual({ items: [], total: 0 });
      });

      it('deletes a conversation with its messages', async () => {
        const scope = await newTenant();
        const conversation = await store.createConversation(scope, { userId: null });
        await store.appendMessage(scope, userMessage(conversation.id));
        await store.appendMessage(scope, userMessage(conversation.id, { clientMessageId: 'c1' }));
        expect(await store.deleteConversation(scope, conversation.id)).toBe(true);
        expect(await store.getConversation(scope, conversation.id)).toBeUndefined();
        expect(await store.listMessages(scope, conversation.id, firstPage)).toEqual({ items: [], total: 0 });
        expect(await store.deleteConversation(scope, conversation.id)).toBe(false);
        // Its id and client message ids are free again: nothing of it was left behind.
        const recreated = await store.createConversation(scope, { id: conversation.id, userId: null });
        const again = await store.appendMessage(scope, userMessage(recreated.id, { clientMessageId: 'c1' }));
        expect(again.created).toBe(true);
      });

      it("refuses to delete another tenant's or another user's conversation", async () => {
        const owner = await newTenant();
        const stranger = await newTenant();
        const conversation = await store.createConversation(owner, { userId: 'alice' });
        await store.appendMessage(owner, userMessage(conversation.id));
        expect(await store.deleteConversation(stranger, conversation.id)).toBe(false);
        expect(await store.deleteConversation({ ...owner, userId: 'bob' }, conversation.id)).toBe(false);
        expect(await store.getConversation(owner, conversation.id)).toEqual(
          expect.objectContaining({ id: conversation.id }),
        );
        expect((await store.listMessages(owner, conversation.id, firstPage)).total).toBe(1);
      });
    });

    describe('messages', () => {
      it('stores a message with its model and usage and bumps the conversation', async () => {
        const scope = await newTenant();
        const conversation = await store.createConversation(scope, { userId: null });
        const usage = { inputTokens: 3, outputTokens: 5, totalTokens: 8 };
        const { created, message } = await store.appendMessage(scope, {
          conversationId: conversation.id,
          role: 'assistant',
          content: 'Hi there',
          status: 'interrupted',
          model: 'builtin:echo',
          usage,
        });
        expect(created).toBe(true);
        expect(message).toMatchObject({
          tenantId: scope.tenantId,
          conversationId: conversation.id,
          role: 'assistant',
          content: 'Hi there',
          status: 'interrupted',
          model: 'builtin:echo',
          usage,
          clientMessageId: null,
        });
        const after = await store.getConversation(scope, conversation.id);
        expect(after?.updatedAt).toBe(message.createdAt);
        expect(after!.updatedAt >= conversation.updatedAt).toBe(true);
        expect((await store.listMessages(scope, conversation.id, firstPage)).items).toEqual([message]);
      });

      it('amends a stored reply in scope, keeping its id and place, and nothing out of scope', async () => {
        const owner = await newTenant();
        const stranger = await newTenant();
        const conversation = await store.createConversation(owner, { userId: 'alice' });
        await store.appendMessage(owner, userMessage(conversation.id));
        const { message: reply } = await store.appendMessage(owner, {
          conversationId: conversation.id,
          role: 'assistant',
          content: 'First sentence. Second sentence.',
          status: 'complete',
        });
        const amend = { conversationId: conversation.id, messageId: reply.id, content: 'First sentence.' };
        expect(await store.amendMessage(stranger, { ...amend, status: 'interrupted' })).toBeUndefined();
        expect(
          await store.amendMessage({ ...owner, userId: 'bob' }, { ...amend, status: 'interrupted' }),
        ).toBeUndefined();
        expect(
          await store.amendMessage(owner, { ...amend, conversationId: uuidv7(), status: 'interrupted' }),
        ).toBeUndefined();
        expect((await store.listMessages(owner, conversation.id, firstPage)).items[1]).toMatchObject({
          content: 'First sentence. Second sentence.',
          status: 'complete',
        });

        const amended = await store.amendMessage(owner, { ...amend, status: 'interrupted' });
        expect(amended).toMatchObject({ id: reply.id, content: 'First sentence.', status: 'interrupted' });
        const items = (await store.listMessages(owner, conversation.id, firstPage)).items;
        expect(items.map((message) => [message.role, message.content, message.status])).toEqual([
          ['user', 'hello', 'complete'],
          ['assistant', 'First sentence.', 'interrupted'],
        ]);
      });

      it('creates a conversation with its first message, seen in scope only', async () => {
        const owner = await newTenant();
        const stranger = await newTenant();
        const userScope = { ...owner, userId: 'alice' };
        const { conversation, message } = await store.createConversationWithMessage(userScope, {
          conversation: { userId: 'mallory', title: 'Hello', metadata: { source: 'test' } },
          message: { role: 'user', content: 'hello', status: 'complete', clientMessageId: 'c1' },
        });
        expect(conversation).toMatchObject({
          tenantId: owner.tenantId,
          userId: 'alice',
          title: 'Hello',
          metadata: { source: 'test' },
          updatedAt: message.createdAt,
        });
        expect(message).toMatchObject({
          tenantId: owner.tenantId,
          conversationId: conversation.id,
          role: 'user',
          content: 'hello',
          clientMessageId: 'c1',
        });
        expect(await store.getConversation(userScope, conversation.id)).toEqual(conversation);
        expect((await store.listMessages(owner, conversation.id, firstPage)).items).toEqual([message]);
        expect(await store.getConversation(stranger, conversation.id)).toBeUndefined();
        expect(await store.getConversation({ ...owner, userId: 'bob' }, conversation.id)).toBeUndefined();
        // The client message id counts like any other: a resend to the conversation is the same message.
        const resent = await store.appendMessage(
          userScope,
          userMessage(conversation.id, { clientMessageId: 'c1' }),
        );
        expect(resent).toEqual({ created: false, message });
      });

      it('stores neither the conversation nor the message when one of their ids is taken', async () => {
        const scope = await newTenant();
        const existing = await store.createConversation(scope, { userId: null });
        const { message: taken } = await store.appendMessage(scope, userMessage(existing.id));
        const freshMessage = uuidv7();
        await expect(
          store.createConversationWithMessage(scope, {
            conversation: { id: existing.id, userId: null },
            message: { id: freshMessage, role: 'user', content: 'x', status: 'complete' },
          }),
        ).rejects.toSatisfy(expectAppError('CONFLICT'));
        expect((await store.listMessages(scope, existing.id, firstPage)).items).toEqual([taken]);

        const freshConversation = uuidv7();
        await expect(
          store.createConversationWithMessage(scope, {
            conversation: { id: freshConversation, userId: null },
            message: { id: taken.id, role: 'user', content: 'x', status: 'complete' },
          }),
        ).rejects.toSatisfy(expectAppError('CONFLICT'));
        expect(await store.getConversation(scope, freshConversation)).toBeUndefined();
      });

      it('takes a message id chosen by the caller', async () => {
        const scope = await newTenant();
        const conversation = await store.createConversation(scope, { userId: null });
        const id = uuidv7();
        const { message } = await store.appendMessage(scope, userMessage(conversation.id, { id }));
        expect(message.id).toBe(id);
      });

      it('refuses a message to a conversation out of scope', async () => {
        const owner = await newTenant();
        const stranger = await newTenant();
        const conversation = await store.createConversation(owner, { userId: 'alice' });
        await expect(store.appendMessage(stranger, userMessage(conversation.id))).rejects.toSatisfy(
          expectAppError('CHAT_NOT_FOUND'),
        );
        await expect(
          store.appendMessage({ ...owner, userId: 'bob' }, userMessage(conversation.id)),
        ).rejects.toSatisfy(expectAppError('CHAT_NOT_FOUND'));
        await expect(store.appendMessage(owner, userMessage(uuidv7()))).rejects.toSatisfy(
          expectAppError('CHAT_NOT_FOUND'),
        );
        expect((await store.listMessages(owner, conversation.id, firstPage)).total).toBe(0);
      });

      it('stores a repeated client message id once and answers the stored message', async () => {
        const scope = await newTenant();
        const conversation = await store.createConversation(scope, { userId: null });
        const first = await store.appendMessage(
          scope,
          userMessage(conversation.id, { clientMessageId: 'm-1' }),
        );
        const second = await store.appendMessage(
          scope,
          userMessage(conversation.id, { clientMessageId: 'm-1', content: 'different' }),
        );
        expect(first.created).toBe(true);
        expect(second).toEqual({ created: false, message: first.message });
        expect((await store.listMessages(scope, conversation.id, firstPage)).total).toBe(1);
      });

      it('keeps client message ids per conversation', async () => {
        const scope = await newTenant();
        const one = await store.createConversation(scope, { userId: null });
        const two = await store.createConversation(scope, { userId: null });
        expect(
          (await store.appendMessage(scope, userMessage(one.id, { clientMessageId: 'same' }))).created,
        ).toBe(true);
        expect(
          (await store.appendMessage(scope, userMessage(two.id, { clientMessageId: 'same' }))).created,
        ).toBe(true);
      });

      it('stores concurrent duplicates of a client message id once', async () => {
        const scope = await newTenant();
        const conversation = await store.createConversation(scope, { userId: null });
        const results = await Promise.all(
          Array.from({ length: 12 }, () =>
            store.appendMessage(scope, userMessage(conversation.id, { clientMessageId: 'racy' })),
          ),
        );
        expect(results.filter((result) => result.created)).toHaveLength(1);
        expect(new Set(results.map((result) => result.message.id)).size).toBe(1);
        expect((await store.listMessages(scope, conversation.id, firstPage)).total).toBe(1);
      });

      it('pages messages in id order with totals', async () => {
        const scope = await newTenant();
        const conversation = await store.createConversation(scope, { userId: null });
        const ids = [];
        for (let index = 0; index < 6; index += 1) {
          ids.push(
            (await store.appendMessage(scope, userMessage(conversation.id, { content: `m${index}` }))).message
              .id,
          );
        }
        const page = await store.listMessages(scope, conversation.id, { offset: 2, limit: 3, order: 'asc' });
        expect(page.total).toBe(6);
        expect(page.items.map((message) => message.id)).toEqual(ids.slice(2, 5));
        const newest = await store.listMessages(scope, conversation.id, {
          offset: 0,
          limit: 2,
          order: 'desc',
        });
        expect(newest.items.map((message) => message.content)).toEqual(['m5', 'm4']);
      });

      it("shows no messages of another tenant's or user's conversation", async () => {
        const owner = await newTenant();
        const conversation = await store.createConversation(owner, { userId: 'alice' });
        await store.appendMessage(owner, userMessage(conversation.id));
        const stranger = await newTenant();
        expect(await store.listMessages(stranger, conversation.id, firstPage)).toEqual({
          items: [],
          total: 0,
        });
        expect(await store.recentMessages(stranger, conversation.id, 10)).toEqual([]);
        const bob = { ...owner, userId: 'bob' };
        expect(await store.listMessages(bob, conversation.id, firstPage)).toEqual({ items: [], total: 0 });
        expect(await store.recentMessages(bob, conversation.id, 10)).toEqual([]);
        expect(
          (await store.listMessages({ ...owner, userId: 'alice' }, conversation.id, firstPage)).total,
        ).toBe(1);
        expect(await store.recentMessages({ ...owner, userId: 'alice' }, conversation.id, 10)).toHaveLength(
          1,
        );
      });

      it('answers the newest messages, oldest first', async () => {
        const scope = await newTenant();
        const conversation = await store.createConversation(scope, { userId: null });
        for (let index = 0; index < 5; index += 1) {
          await store.appendMessage(scope, userMessage(conversation.id, { content: `m${index}` }));
        }
        const recent = await store.recentMessages(scope, conversation.id, 3);
        expect(recent.map((message) => message.content)).toEqual(['m2', 'm3', 'm4']);
        expect(
          (await store.recentMessages(scope, conversation.id, 50)).map((message) => message.content),
        ).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
        expect(await store.recentMessages(scope, conversation.id, 0)).toEqual([]);
      });
    });

    describe('lifecycle', () => {
      it('answers a ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('opens the same database again: migrations run once and the data is there', async () => {
        const tenant = await store.createTenant({ name: 'Persistent' });
        const again = await createStore({ url: database.url });
        try {
          expect(await again.getTenant(tenant.id)).toEqual(tenant);
        } finally {
          await again.close();
        }
      });

      it('rejects a ping once closed', async () => {
        const closing = await createStore({ url: database.url });
        await closing.close();
        await expect(closing.ping()).rejects.toThrow();
        // Closing again (shutdown after a failed health check, say) is harmless.
        await expect(closing.close()).resolves.toBeUndefined();
      });
    });
  });
}
