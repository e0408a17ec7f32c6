import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// Tenant isolation over real HTTP: random sequences of requests by tenant A (create a chat, post
// a message, list, get, read messages, delete, /ai/chat into a chat), interleaved with tenant B
// working on its own chats. Every request of A naming one of B's ids is answered 404, A's own
// answers match a plain model, and B's chats and messages, read with B's key, are exactly what B
// made of them.

const USERS = ['shared', 'a-only', 'b-only'] as const;
type UserId = (typeof USERS)[number];

/** Which chat a step names: one of A's, one of B's (index modulo how many there are), or an id nobody has. */
type Target = { owner: 'A' | 'B'; index: number } | { owner: 'nobody' };

type Step =
  | { kind: 'create'; userId: UserId }
  | { kind: 'post' | 'get' | 'messages' | 'delete' | 'aiChat'; target: Target }
  | { kind: 'list'; userId: UserId }
  | { kind: 'bCreate'; userId: UserId }
  | { kind: 'bPost'; index: number };

const user = fc.constantFrom(...USERS);
const index = fc.nat({ max: 20 });
const target: fc.Arbitrary<Target> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ owner: fc.constant('A' as const), index }) },
  { weight: 3, arbitrary: fc.record({ owner: fc.constant('B' as const), index }) },
  { weight: 1, arbitrary: fc.constant({ owner: 'nobody' as const }) },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), userId: user }),
  fc.record({
    kind: fc.constantFrom(
      'post' as const,
      'get' as const,
      'messages' as const,
      'delete' as const,
      'aiChat' as const,
    ),
    target,
  }),
  fc.record({ kind: fc.constant('list' as const), userId: user }),
  fc.record({ kind: fc.constant('bCreate' as const), userId: user }),
  fc.record({ kind: fc.constant('bPost' as const), index }),
);

interface ChatSnapshot {
  chat: unknown;
  messages: unknown;
}

let server: TestApp;
let tenantA: { tenantId: string; apiKey: string };
let tenantB: { tenantId: string; apiKey: string };
/** A's chats: id → its user, and whether A deleted it. */
const chatsOfA = new Map<string, { userId: UserId; deleted: boolean }>();
/** B's chats as B last saw them, in creation order. */
const chatsOfB = new Map<string, ChatSnapshot>();

async function call(options: { key: string; method?: string; path: string; json?: unknown }) {
  const response = await server.request(options.path, {
    method: options.method ?? 'GET',
    key: options.key,
    ...(options.json === undefined ? {} : { json: options.json }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

async function snapshotOfB(chatId: string): Promise<ChatSnapshot> {
  const chat = await call({ key: tenantB.apiKey, path: `/api/v1/chats/${chatId}` });
  const messages = await call({ key: tenantB.apiKey, path: `/api/v1/chats/${chatId}/messages?limit=100` });
  expect(chat.status).toBe(200);
  expect(messages.status).toBe(200);
  return { chat: chat.body, messages: messages.body };
}

async function createOfB(userId: UserId): Promise<void> {
  const created = await call({
    key: tenantB.apiKey,
    method: 'POST',
    path: '/api/v1/chats',
    json: { user_id: userId, title: `B's ${userId}` },
  });
  expect(created.status).toBe(201);
  const chatId = String(created.body?.['id']);
  chatsOfB.set(chatId, await snapshotOfB(chatId));
}

async function postOfB(chatIndex: number): Promise<void> {
  const ids = [...chatsOfB.keys()];
  const chatId = ids[chatIndex % ids.length]!;
  const posted = await call({
    key: tenantB.apiKey,
    method: 'POST',
    path: `/api/v1/chats/${chatId}/messages`,
    json: { content: 'B speaking' },
  });
  expect(posted.status).toBe(200);
  chatsOfB.set(chatId, await snapshotOfB(chatId));
}

function resolveTarget(chosen: Target): { id: string; owner: 'A' | 'B' | 'nobody' } {
  if (chosen.owner === 'B') {
    const ids = [...chatsOfB.keys()];
    return { id: ids[chosen.index % ids.length]!, owner: 'B' };
  }
  const ids = [...chatsOfA.keys()];
  if (chosen.owner === 'A' && ids.length > 0) return { id: ids[chosen.index % ids.length]!, owner: 'A' };
  return { id: '0190ffff-0000-7000-8000-000000000000', owner: 'nobody' };
}

/** Runs one step of A (or B), checking A's answer against the model. */
async function runStep(current: Step): Promise<void> {
  const key = tenantA.apiKey;
  switch (current.kind) {
    case 'bCreate':
      return createOfB(current.userId);
    case 'bPost':
      return postOfB(current.index);
    case 'create': {
      const created = await call({
        key,
        method: 'POST',
        path: '/api/v1/chats',
        json: { user_id: current.userId },
      });
      expect(created.status).toBe(201);
      chatsOfA.set(String(created.body?.['id']), { userId: current.userId, deleted: false });
      return;
    }
    case 'list': {
      const listed = await call({ key, path: `/api/v1/chats/user/${current.userId}?limit=100` });
      expect(listed.status).toBe(200);
      const ids = (listed.body?.['chats'] as Array<{ id: string }>).map((chat) => chat.id).sort();
      const expected = [...chatsOfA]
        .filter(([, chat]) => chat.userId === current.userId && !chat.deleted)
        .map(([id]) => id)
        .sort();
      expect(ids).toEqual(expected);
      return;
    }
    default:
      break;
  }

  const { id, owner } = resolveTarget(current.target);
  const live = owner === 'A' && chatsOfA.get(id)?.deleted === false;
  const answer = await (() => {
    switch (current.kind) {
      case 'get':
        return call({ key, path: `/api/v1/chats/${id}` });
      case 'messages':
        return call({ key, path: `/api/v1/chats/${id}/messages` });
      case 'delete':
        return call({ key, method: 'DELETE', path: `/api/v1/chats/${id}` });
      case 'post':
        return call({
          key,
          method: 'POST',
          path: `/api/v1/chats/${id}/messages`,
          json: { content: 'A speaking' },
        });
      case 'aiChat':
        return call({
          key,
          method: 'POST',
          path: '/api/v1/ai/chat',
          json: { content: 'A speaking', conversation_id: id },
        });
    }
  })();
  if (!live) {
    expect(answer.status, `${current.kind} on ${owner}'s chat`).toBe(404);
    return;
  }
  expect(answer.status, `${current.kind} on A's own chat`).toBe(current.kind === 'delete' ? 204 : 200);
  if (current.kind === 'delete') chatsOfA.set(id, { ...chatsOfA.get(id)!, deleted: true });
}

beforeAll(async () => {
  server = await startTestApp({ LIMIT_REST_PER_MINUTE: '0', LIMIT_AI_REQUESTS_PER_WEEK: '0' });
  tenantA = await server.createTenant('A');
  tenantB = await server.createTenant('B');
  // B starts with a chat per user, one of them with a conversation in it.
  for (const userId of USERS) await createOfB(userId);
  await postOfB(0);
});
afterAll(() => server.close());

describe('tenant isolation over HTTP', () => {
  it("tenant A never reads, changes or learns of tenant B's chats", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        for (const current of steps) await runStep(current);
        for (const [chatId, expected] of chatsOfB) expect(await snapshotOfB(chatId)).toEqual(expected);
        for (const userId of USERS) {
          const listed = await call({ key: tenantB.apiKey, path: `/api/v1/chats/user/${userId}?limit=100` });
          const ids = (listed.body?.['chats'] as Array<{ id: string }>).map((chat) => chat.id).sort();
          const expected = [...chatsOfB.entries()]
            .filter(([, snapshot]) => (snapshot.chat as { user_id: string }).user_id === userId)
            .map(([id]) => id)
            .sort();
          expect(ids).toEqual(expected);
        }
      }),
      { numRuns: 25 },
    );
  });
});
