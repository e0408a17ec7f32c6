import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  deleteKeysUnder,
  eventually,
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
import { startCaiProcess, type CaiProcess } from '../support/cai-process.ts';
import { SignalingClient, TEST_SDP } from '../support/signaling-client.ts';
import { readEvents, type SseEvent } from './sse-client.ts';

// Distributed mode for real: two cai processes on different ports, sharing one PostgreSQL schema
// and one Redis (under this run's own key prefix), the way they run behind a load balancer. A peer
// on one node signals a peer on the other; the company cap is one cap; and when one node is killed
// (kill -9: no cleanup at all), its peers leave the other's list within the bus time-to-live while
// what runs on the survivor carries on.

const runs =
  mustRunPostgresTests(await probePostgres()) && mustRunRedisTests(await probeRedis(TEST_REDIS_URL));

const ADMIN_KEY = 'two-nodes-admin-key-0123456789';
const COMPANY_CAP = 3;
/** Short, so a dead node's peers and leases lapse within a test. */
const BUS_TTL_MS = 1500;

interface Company {
  tenantId: string;
  apiKey: string;
}

describe.runIf(runs)('two cai processes on one PostgreSQL and one Redis', () => {
  let schema: TestSchema;
  let keyPrefix: string;
  let dataDir: string;
  let nodeA: CaiProcess;
  let nodeB: CaiProcess;
  const clients: SignalingClient[] = [];

  function connect(node: CaiProcess, peerId: string, company: Company): SignalingClient {
    const client = SignalingClient.connect({ baseUrl: node.baseUrl, peerId, key: company.apiKey });
    clients.push(client);
    return client;
  }

  async function request(
    node: CaiProcess,
    path: string,
    init: RequestInit & { key?: string; json?: unknown } = {},
  ) {
    const headers = new Headers(init.headers);
    if (init.key !== undefined) headers.set('authorization', `Bearer ${init.key}`);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    return fetch(`${node.baseUrl}${path}`, {
      ...init,
      headers,
      body: init.json === undefined ? null : JSON.stringify(init.json),
    });
  }

  async function createCompany(name: string): Promise<Company> {
    const response = await request(nodeA, '/api/v1/admin/tenants', {
      method: 'POST',
      key: ADMIN_KEY,
      json: { name },
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { tenant_id: string; api_key: string };
    return { tenantId: created.tenant_id, apiKey: created.api_key };
  }

  async function peersSeenBy(node: CaiProcess, company: Company): Promise<string[]> {
    const response = await request(node, `/api/v1/webrtc/peers/${company.apiKey}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { active_peers: string[] }).active_peers;
  }

  beforeAll(async () => {
    schema = testSchema('cai_two_nodes');
    keyPrefix = testKeyPrefix('two-nodes');
    dataDir = mkdtempSync(join(tmpdir(), 'cai-two-nodes-'));
    const shared = {
      DATA_DIR: dataDir,
      DATABASE_URL: schema.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      BUS_TTL_MS: String(BUS_TTL_MS),
      JWT_SECRET: 'two-nodes-jwt-secret-0123456789-0123456789',
      ADMIN_API_KEY: ADMIN_KEY,
      LIMIT_SIGNALING_PER_COMPANY: String(COMPANY_CAP),
      // Long enough that only the bus can close a revoked key's sockets on the other node.
      REVOCATION_CHECK_MS: '600000',
      // A reply that takes a few seconds, so a node can die while it streams.
      OFFLINE_MODEL_TOKEN_DELAY_MS: '25',
    };
    // One after the other: the first runs the migrations on the fresh schema.
    nodeA = await startCaiProcess(shared);
    nodeB = await startCaiProcess(shared);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await schema?.drop();
    if (keyPrefix !== undefined) await deleteKeysUnder(keyPrefix);
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('relays signals between a peer on node A and a peer on node B', async () => {
    const company = await createCompany('relay');
    const alice = await connect(nodeA, 'alice', company).joined();
    const bob = await connect(nodeB, 'bob', company).joined();

    alice.send({ type: 'signal', to_peer: 'bob', data: { type: 'offer', sdp: TEST_SDP } });
    expect(await bob.next((frame) => frame['type'] === 'signal')).toEqual({
      type: 'signal',
      from_peer: 'alice',
      data: { type: 'offer', sdp: TEST_SDP },
    });
    bob.send({ type: 'message', to_peer: 'alice', data: { content: 'answering from node B' } });
    expect(await alice.next((frame) => frame['type'] === 'message')).toEqual({
      type: 'message',
      from_peer: 'bob',
      data: { content: 'answering from node B' },
    });
    alice.send({ type: 'signal', to_peer: 'nobody', data: { type: 'offer', sdp: TEST_SDP } });
    expect(await alice.error(4004)).toMatchObject({ to_peer: 'nobody' });
  });

  it('lists the peers of both nodes from either node, in the peers list and the stats', async () => {
    const company = await createCompany('listing');
    await connect(nodeA, 'alice', company).joined();
    await connect(nodeB, 'bob', company).joined();
    expect(await peersSeenBy(nodeA, company)).toEqual(['alice', 'bob']);
    expect(await peersSeenBy(nodeB, company)).toEqual(['alice', 'bob']);
    for (const node of [nodeA, nodeB]) {
      const stats = (await (await request(node, '/api/v1/webrtc/stats', { key: ADMIN_KEY })).json()) as {
        peers_by_company: Record<string, number>;
      };
      expect(stats.peers_by_company[company.tenantId]).toBe(2);
    }
  });

  it('holds the company cap across both nodes, and frees a slot on one node for the other', async () => {
    const company = await createCompany('capped');
    const alice = await connect(nodeA, 'alice', company).joined();
    await connect(nodeA, 'bob', company).joined();
    await connect(nodeB, 'carol', company).joined();
    for (const node of [nodeA, nodeB]) {
      const refused = connect(node, 'dave', company);
      expect(await refused.greeting()).toMatchObject({ type: 'error', code: 4002 });
      expect((await refused.closed).code).toBe(4002);
    }

    await alice.close();
    const admitted = await eventually(
      async () => {
        const dave = connect(nodeB, 'dave', company);
        return (await dave.greeting())['type'];
      },
      (type) => type === 'connected',
    );
    expect(admitted).toBe('connected');
  });

  it('closes on node B the signaling and doc 000 sockets of a key revoked through node A', async () => {
    const company = await createCompany('revoked');
    const created = await request(nodeA, `/api/v1/admin/tenants/${company.tenantId}/keys`, {
      method: 'POST',
      key: ADMIN_KEY,
    });
    const { key_id: keyId, api_key: apiKey } = (await created.json()) as { key_id: string; api_key: string };
    const doomed = await connect(nodeB, 'doomed', { tenantId: company.tenantId, apiKey }).joined();
    const completions = new WebSocket(
      `${nodeB.baseUrl.replace('http', 'ws')}/?api_key=${encodeURIComponent(apiKey)}&orgId=${company.tenantId}`,
    );
    await new Promise<void>((resolve, reject) => {
      completions.once('message', () => resolve());
      completions.once('error', reject);
    });
    const completionsClosed = new Promise<number>((resolve) =>
      completions.on('close', (code) => resolve(code)),
    );
    const revoked = await request(nodeA, `/api/v1/admin/keys/${keyId}`, { method: 'DELETE', key: ADMIN_KEY });
    expect(revoked.status).toBe(200);
    expect((await doomed.closed).code).toBe(1008);
    expect(await completionsClosed).toBe(1008);
    // Node B had checked the key (for those sockets) and keeps it for REVOCATION_CHECK_MS (10
    // minutes here), but the bus told it of the revocation: REST refuses the key at once too.
    const afterRevocation = await request(nodeB, '/api/v1/chats/user/someone', { key: apiKey });
    expect(afterRevocation.status).toBe(401);
  });

  it('closes the older connection of a peer id that connects again on the other node', async () => {
    const company = await createCompany('moved');
    const older = await connect(nodeA, 'alice', company).joined();
    const newer = await connect(nodeB, 'alice', company).joined();
    expect((await older.closed).code).toBe(4005);
    const bob = await connect(nodeA, 'bob', company).joined();
    bob.send({ type: 'signal', to_peer: 'alice', data: { type: 'offer', sdp: TEST_SDP } });
    expect(await newer.next((frame) => frame['type'] === 'signal')).toMatchObject({ from_peer: 'bob' });
    expect(await peersSeenBy(nodeA, company)).toEqual(['alice', 'bob']);
  });

  // Last: it kills node B.
  it('counts a tenant’s REST limit once: of 2q requests split over both nodes, exactly q succeed', async () => {
    const company = await createCompany('shared-limit');
    const limit = 10;
    const set = await request(nodeA, `/api/v1/admin/tenants/${company.tenantId}/limits`, {
      method: 'PATCH',
      key: ADMIN_KEY,
      json: { LIMIT_REST_PER_MINUTE: limit },
    });
    expect(set.status).toBe(200);
    const responses = await Promise.all(
      Array.from({ length: 2 * limit }, (_, index) =>
        request(index % 2 === 0 ? nodeA : nodeB, '/api/v1/chats/user/someone', { key: company.apiKey }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(limit);
    expect(statuses.filter((status) => status === 429)).toHaveLength(limit);
  });

  it('continues over a WebSocket on node B a chat created through node A, with its history', async () => {
    const company = await createCompany('shared-chat');
    const created = await request(nodeA, '/api/v1/ai/chat', {
      method: 'POST',
      key: company.apiKey,
      json: { content: 'Remember the word heliotrope.', user_id: 'u1' },
    });
    expect(created.status).toBe(200);
    const { conversation_id: chatId } = (await created.json()) as { conversation_id: string };

    const socket = new WebSocket(
      `${nodeB.baseUrl.replace('http', 'ws')}/ws/chat?api_key=${encodeURIComponent(company.apiKey)}&user_id=u1&chat_id=${chatId}`,
    );
    await new Promise<void>((resolve, reject) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as Record<string, unknown>;
        if (message['type'] === 'connection_established')
          socket.send(JSON.stringify({ content: 'And now?' }));
        if (message['type'] === 'message_stream_ended') resolve();
        if (message['type'] === 'error') reject(new Error(JSON.stringify(message)));
      });
      socket.on('error', reject);
    });
    socket.close();

    const history = await request(nodeA, `/api/v1/chats/${chatId}/messages?limit=10`, {
      key: company.apiKey,
    });
    const { messages } = (await history.json()) as { messages: Array<{ role: string; content: string }> };
    expect(messages.map((message) => [message.role, message.content.slice(0, 8)])).toEqual([
      ['user', 'Remember'],
      ['assistant', expect.any(String)],
      ['user', 'And now?'],
      ['assistant', expect.any(String)],
    ]);
  });

  it('after kill -9 of node B, its peers leave node A within the TTL, while a stream on A completes', async () => {
    const company = await createCompany('crash');
    const alice = await connect(nodeA, 'alice', company).joined();
    await connect(nodeB, 'bob', company).joined();
    await connect(nodeB, 'carol', company).joined();
    expect(await peersSeenBy(nodeA, company)).toEqual(['alice', 'bob', 'carol']);

    // A doc 002 stream running on A while B dies.
    const response = await request(nodeA, '/api/v1/ai/chat', {
      method: 'POST',
      key: company.apiKey,
      json: { content: 'Keep talking while the other node goes down.', stream: true },
    });
    expect(response.status).toBe(200);
    const events = readEvents(response);
    const seen: SseEvent[] = [];
    for (let next = await events.next(); !next.done; next = await events.next()) {
      seen.push(next.value);
      if (next.value.event === 'delta') break;
    }
    const rest = (async () => {
      for await (const event of events) seen.push(event);
      return seen;
    })();

    await nodeB.crash();
    expect(seen.at(-1)?.event).toBe('delta'); // B died while the reply was still streaming

    const end = (await rest).at(-1);
    expect(end?.event).toBe('end');
    expect(end?.data['finish_reason']).toBe('stop');
    const streamed = seen
      .filter((event) => event.event === 'delta')
      .map((event) => String(event.data['content']))
      .join('');
    expect(streamed).toBe(end?.data['content']);

    const remaining = await eventually(
      () => peersSeenBy(nodeA, company),
      (peers) => peers.length === 1,
    );
    expect(remaining).toEqual(['alice']);
    alice.send({ type: 'signal', to_peer: 'bob', data: { type: 'offer', sdp: TEST_SDP } });
    expect(await alice.error(4004)).toMatchObject({ to_peer: 'bob' });

    // B's leases lapsed too: with alice, the cap of three admits two more, which it would not have
    // had B's two connections still counted.
    await connect(nodeA, 'dave', company).joined();
    await connect(nodeA, 'erin', company).joined();
    expect(alice.ws.readyState).toBe(alice.ws.OPEN);
    expect(nodeA.logs.filter((entry) => Number(entry['level']) >= 50)).toEqual([]);
  });
});
