import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  deleteKeysUnder,
  mustRunRedisTests,
  probeRedis,
  testKeyPrefix,
  TEST_REDIS_URL,
} from '../../src/bus/testing/redis-test-support.ts';
import {
  mustRunPostgresTests,
  probePostgres,
  testSchema,
  type TestSchema,
} from '../../src/store/testing/postgres-test-schema.ts';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app.ts';

// Two cai servers in distributed mode, sharing one PostgreSQL schema and one Redis (under a key
// prefix of this run's own): what one node does is seen by the other. Both run in this process;
// they share nothing but the database and Redis.

const runs =
  mustRunPostgresTests(await probePostgres()) && mustRunRedisTests(await probeRedis(TEST_REDIS_URL));

const REST_LIMIT = 12;

describe.runIf(runs)('distributed mode: two nodes on PostgreSQL and Redis', () => {
  let schema: TestSchema;
  let keyPrefix: string;
  let nodeA: TestApp;
  let nodeB: TestApp;

  beforeAll(async () => {
    schema = testSchema('cai_distributed');
    keyPrefix = testKeyPrefix('distributed');
    const shared = {
      DATABASE_URL: schema.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      LIMIT_REST_PER_MINUTE: String(REST_LIMIT),
      // Long enough that only the bus can close a revoked key's sockets within the test.
      REVOCATION_CHECK_MS: '600000',
    };
    nodeA = await startTestApp(shared);
    nodeB = await startTestApp(shared);
  });

  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await schema?.drop();
    if (keyPrefix !== undefined) await deleteKeysUnder(keyPrefix);
  });

  it('counts a tenant’s REST limit once across both nodes', async () => {
    const tenant = await nodeA.createTenant('shared-limit');
    const responses = await Promise.all(
      Array.from({ length: 2 * REST_LIMIT }, (_, index) =>
        (index % 2 === 0 ? nodeA : nodeB).request('/api/v1/chats/user/u1', { key: tenant.apiKey }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(REST_LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(REST_LIMIT);
  });

  it('continues on node B a chat created through node A, with its history', async () => {
    const tenant = await nodeA.createTenant('shared-chat');
    const created = await nodeA.request('/api/v1/ai/chat', {
      method: 'POST',
      key: tenant.apiKey,
      json: { content: 'Remember the word heliotrope.', user_id: 'u1' },
    });
    expect(created.status).toBe(200);
    const { conversation_id: conversationId } = (await created.json()) as { conversation_id: string };

    const socket = new WebSocket(
      `${nodeB.baseUrl.replace('http', 'ws')}/ws/chat?api_key=${encodeURIComponent(tenant.apiKey)}&user_id=u1&chat_id=${conversationId}`,
    );
    const ended = new Promise<Record<string, unknown>>((resolve, reject) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as Record<string, unknown>;
        if (message['type'] === 'connection_established')
          socket.send(JSON.stringify({ content: 'And now?' }));
        if (message['type'] === 'message_stream_ended') resolve(message);
        if (message['type'] === 'error') reject(new Error(JSON.stringify(message)));
      });
      socket.on('error', reject);
    });
    await ended;
    socket.close();

    const history = await nodeA.request(`/api/v1/chats/${conversationId}/messages?limit=10`, {
      key: tenant.apiKey,
    });
    const { messages } = (await history.json()) as { messages: Array<{ role: string; content: string }> };
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messages[0]?.content).toBe('Remember the word heliotrope.');
    expect(messages[2]?.content).toBe('And now?');
  });

  it('closes on node B the sockets of a key revoked on node A', async () => {
    const tenant = await nodeA.createTenant('revoked-elsewhere');
    const extra = await nodeA.request(`/api/v1/admin/tenants/${tenant.tenantId}/keys`, {
      method: 'POST',
      key: TEST_ADMIN_KEY,
    });
    const { key_id: keyId, api_key: apiKey } = (await extra.json()) as { key_id: string; api_key: string };
    const socket = new WebSocket(
      `${nodeB.baseUrl.replace('http', 'ws')}/?api_key=${encodeURIComponent(apiKey)}&orgId=${tenant.tenantId}`,
    );
    await new Promise<void>((resolve, reject) => {
      socket.once('message', () => resolve());
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));

    const revoked = await nodeA.request(`/api/v1/admin/keys/${keyId}`, {
      method: 'DELETE',
      key: TEST_ADMIN_KEY,
    });
    expect(revoked.status).toBe(200);
    expect(await closed).toBe(1008);
  });
});
