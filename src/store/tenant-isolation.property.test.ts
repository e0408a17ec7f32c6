import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, LimitName, Message, Scope } from '../core/domain.ts';
import { isAppError } from '../core/errors.ts';
import { uuidv7 } from '../core/ids.ts';
import { createStore } from './create-store.ts';
import type { Store } from './store.ts';

// Random sequences of requests by two tenants, and by two users of one tenant (user scope):
// every answer is checked against a plain model, and after every request the whole database,
// read back tenant by tenant, may differ from before only where the caller was entitled to act.

type ActorName = 'tenantA' | 'tenantB' | 'alice' | 'bob';
const ACTORS: ActorName[] = ['tenantA', 'tenantB', 'alice', 'bob'];

type Command =
  | { kind: 'create'; actor: ActorName; userId: 'alice' | 'bob' | null }
  | { kind: 'get' | 'delete' | 'listMessages'; actor: ActorName; target: number }
  | { kind: 'append'; actor: ActorName; target: number; clientMessageId: string | null }
  | { kind: 'recent'; actor: ActorName; target: number; limit: number }
  | { kind: 'list'; actor: ActorName; userFilter: 'alice' | 'bob' | undefined }
  | { kind: 'ensureUser'; actor: ActorName; userId: 'alice' | 'bob' | 'carol' }
  | { kind: 'limit'; actor: ActorName; value: number | null };

const actor = fc.constantFrom(...ACTORS);
const target = fc.nat({ max: 50 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('create' as const),
    actor,
    userId: fc.constantFrom('alice' as const, 'bob' as const, null),
  }),
  fc.record({
    kind: fc.constantFrom('get' as const, 'delete' as const, 'listMessages' as const),
    actor,
    target,
  }),
  fc.record({
    kind: fc.constant('append' as const),
    actor,
    target,
    clientMessageId: fc.constantFrom('k1', 'k2', null),
  }),
  fc.record({ kind: fc.constant('recent' as const), actor, target, limit: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    kind: fc.constant('list' as const),
    actor,
    userFilter: fc.constantFrom('alice' as const, 'bob' as const, undefined),
  }),
  fc.record({
    kind: fc.constant('ensureUser' as const),
    actor,
    userId: fc.constantFrom('alice' as const, 'bob' as const, 'carol' as const),
  }),
  fc.record({
    kind: fc.constant('limit' as const),
    actor,
    value: fc.option(fc.nat({ max: 9 }), { nil: null }),
  }),
);

interface ModelConversation {
  tenantId: string;
  userId: string | null;
  messages: Array<{ id: string; clientMessageId: string | null }>;
}

interface Snapshot {
  tenants: Record<string, unknown>;
  conversations: Map<string, { conversation: Conversation; messages: Message[] }>;
}

const everything = { offset: 0, limit: 1000, order: 'asc' as const };
const LIMIT: LimitName = 'LIMIT_REST_PER_MINUTE';

describe('tenant isolation', () => {
  const directory = mkdtempSync(join(tmpdir(), 'cai-tenant-isolation-'));
  let store: Store;

  beforeAll(async () => {
    store = await createStore({ url: `sqlite:${join(directory, 'cai.db')}` });
  });
  afterAll(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function snapshot(tenantIds: string[]): Promise<Snapshot> {
    const result: Snapshot = { tenants: {}, conversations: new Map() };
    for (const tenantId of tenantIds) {
      result.tenants[tenantId] = await store.getTenant(tenantId);
      const { items } = await store.listConversations({ tenantId }, {}, everything);
      for (const conversation of items) {
        const { items: messages } = await store.listMessages({ tenantId }, conversation.id, everything);
        result.conversations.set(conversation.id, { conversation, messages });
      }
    }
    return result;
  }

  it('no sequence of requests by one tenant or user reads or changes another one’s data', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
        const tenantA = (await store.createTenant({ name: 'A' })).id;
        const tenantB = (await store.createTenant({ name: 'B' })).id;
        const scopes: Record<ActorName, Scope> = {
          tenantA: { tenantId: tenantA },
          tenantB: { tenantId: tenantB },
          alice: { tenantId: tenantA, userId: 'alice' },
          bob: { tenantId: tenantA, userId: 'bob' },
        };
        const model = new Map<string, ModelConversation>();
        const users = new Set<string>();
        // Every id ever seen, deleted ones and one that never existed included, so requests aim anywhere.
        const pool: string[] = [uuidv7()];

        const visible = (scope: Scope, id: string): boolean => {
          const conversation = model.get(id);
          if (conversation === undefined || conversation.tenantId !== scope.tenantId) return false;
          return scope.userId === undefined || conversation.userId === scope.userId;
        };

        for (const step of commands) {
          const scope = scopes[step.actor];
          const before = await snapshot([tenantA, tenantB]);
          // The conversations this request may legitimately change (besides creating one of its own).
          const entitled = new Set<string>();
          let entitledTenant: string | undefined;

          switch (step.kind) {
            case 'create': {
              const conversation = await store.createConversation(scope, { userId: step.userId });
              expect(conversation.tenantId).toBe(scope.tenantId);
              expect(conversation.userId).toBe(scope.userId ?? step.userId);
              model.set(conversation.id, {
                tenantId: scope.tenantId,
                userId: conversation.userId,
                messages: [],
              });
              pool.push(conversation.id);
              entitled.add(conversation.id);
              break;
            }
            case 'get': {
              const id = pool[step.target % pool.length]!;
              const found = await store.getConversation(scope, id);
              expect(found !== undefined).toBe(visible(scope, id));
              break;
            }
            case 'list': {
              const { items, total } = await store.listConversations(
                scope,
                { userId: step.userFilter },
                everything,
              );
              const expected = [...model.keys()].filter(
                (id) =>
                  visible(scope, id) &&
                  (step.userFilter === undefined || model.get(id)!.userId === step.userFilter),
              );
              expect(items.map((conversation) => conversation.id).sort()).toEqual(expected.sort());
              expect(total).toBe(expected.length);
              break;
            }
            case 'delete': {
              const id = pool[step.target % pool.length]!;
              const allowed = visible(scope, id);
              expect(await store.deleteConversation(scope, id)).toBe(allowed);
              if (allowed) {
                model.delete(id);
                entitled.add(id);
              }
              break;
            }
            case 'append': {
              const id = pool[step.target % pool.length]!;
              const append = store.appendMessage(scope, {
                conversationId: id,
                role: 'user',
                content: 'hello',
                status: 'complete',
                clientMessageId: step.clientMessageId,
              });
              if (!visible(scope, id)) {
                await expect(append).rejects.toSatisfy(
                  (error) => isAppError(error) && error.code === 'CHAT_NOT_FOUND',
                );
                break;
              }
              const { created, message } = await append;
              const conversation = model.get(id)!;
              const repeated = conversation.messages.find(
                (stored) => step.clientMessageId !== null && stored.clientMessageId === step.clientMessageId,
              );
              expect(created).toBe(repeated === undefined);
              if (repeated === undefined)
                conversation.messages.push({ id: message.id, clientMessageId: step.clientMessageId });
              else expect(message.id).toBe(repeated.id);
              expect(message.tenantId).toBe(scope.tenantId);
              entitled.add(id);
              break;
            }
            case 'listMessages':
            case 'recent': {
              const id = pool[step.target % pool.length]!;
              const messages =
                step.kind === 'recent'
                  ? await store.recentMessages(scope, id, step.limit)
                  : (await store.listMessages(scope, id, everything)).items;
              const stored = visible(scope, id) ? model.get(id)!.messages.map((message) => message.id) : [];
              const expected = step.kind === 'recent' ? stored.slice(-step.limit) : stored;
              expect(messages.map((message) => message.id)).toEqual(expected);
              break;
            }
            case 'ensureUser': {
              const key = `${scope.tenantId}/${step.userId}`;
              expect(await store.ensureUser(scope.tenantId, step.userId)).toEqual({
                created: !users.has(key),
              });
              users.add(key);
              break;
            }
            case 'limit': {
              const tenant = await store.setTenantLimit(scope.tenantId, LIMIT, step.value);
              expect(tenant?.id).toBe(scope.tenantId);
              entitledTenant = scope.tenantId;
              break;
            }
          }

          const after = await snapshot([tenantA, tenantB]);
          // Conversations of both tenants are exactly the model's, each in the right tenant.
          expect([...after.conversations.keys()].sort()).toEqual([...model.keys()].sort());
          for (const [id, { conversation, messages }] of after.conversations) {
            const expected = model.get(id)!;
            expect({ tenantId: conversation.tenantId, userId: conversation.userId }).toEqual({
              tenantId: expected.tenantId,
              userId: expected.userId,
            });
            expect(messages.map((message) => message.id)).toEqual(
              expected.messages.map((message) => message.id),
            );
            expect(messages.every((message) => message.tenantId === expected.tenantId)).toBe(true);
          }
          // Whatever the request was not entitled to touch is byte for byte as it was.
          for (const [id, entry] of before.conversations) {
            if (!entitled.has(id)) expect(after.conversations.get(id)).toEqual(entry);
          }
          for (const tenantId of [tenantA, tenantB]) {
            if (tenantId !== entitledTenant)
              expect(after.tenants[tenantId]).toEqual(before.tenants[tenantId]);
          }
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
