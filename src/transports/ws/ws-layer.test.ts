import { once } from 'node:events';
import { connect as connectRaw, type Socket } from 'node:net';
import { BusUnavailableError } from '../../bus/bus-unavailable-error.ts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connect,
  memoryInUse,
  startLayer,
  TEST_PATH,
  withQuery,
  type LayerHarness,
} from './ws-layer-test-kit.ts';

// The one WebSocket layer over real sockets, with a small test protocol (ws-layer-test-kit.ts).

const MiB = 1024 * 1024;

let harness: LayerHarness | undefined;

async function start(
  environment: Record<string, string> = {},
  options: Parameters<typeof startLayer>[1] = {},
): Promise<LayerHarness> {
  harness = await startLayer(environment, options);
  return harness;
}

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function newKey(layer: LayerHarness): Promise<{ tenantId: string; apiKey: string; keyId: string }> {
  const tenant = await layer.tenantAdmin.createTenant({ name: 'Acme' });
  const key = await layer.tenantAdmin.createKey({ tenantId: tenant.tenant_id });
  return { tenantId: tenant.tenant_id, apiKey: key.api_key, keyId: key.key_id };
}

async function openClient(layer: LayerHarness, query: Record<string, string>) {
  const client = connect(withQuery(layer.url, query));
  const greeting = await client.greeting;
  expect(greeting['type']).toBe('hello');
  return { client, connectionId: String(greeting['connectionId']) };
}

describe('the WebSocket layer, before the upgrade', () => {
  it('answers an unknown path with a plain 404 and no 101', async () => {
    const layer = await start();
    const client = connect(`${layer.url}/nowhere`);
    expect(await client.rejected).toBe(404);
    expect(client.ws.readyState).not.toBe(client.ws.OPEN);
  });

  it('refuses a browser page from an origin not in ALLOWED_ORIGINS with 403, and lets an allowed one in', async () => {
    const layer = await start({ ALLOWED_ORIGINS: 'https://app.example, https://admin.example' });
    const query = { anonymous: '1' };
    const foreign = connect(withQuery(layer.url, query), { origin: 'https://evil.example' });
    expect(await foreign.rejected).toBe(403);
    expect(layer.protocol.closes).toEqual([]);

    const allowed = connect(withQuery(layer.url, query), { origin: 'https://app.example' });
    expect((await allowed.greeting)['type']).toBe('hello');
    // Not a browser page (no Origin): its credential decides, as for any other client.
    const noOrigin = connect(withQuery(layer.url, query));
    expect((await noOrigin.greeting)['type']).toBe('hello');
    allowed.ws.close();
    noOrigin.ws.close();
  });

  it("hands a refused admission to the protocol's refuse, which tells the client and closes", async () => {
    const layer = await start();
    const client = connect(withQuery(layer.url, { api_key: 'cai_not_a_real_key' }));
    expect(await client.greeting).toMatchObject({ type: 'refused', code: 'AUTH_FAILED' });
    expect((await client.closed).code).toBe(4001);
    expect(layer.layer.connectionCount()).toBe(0);
  });
});

describe('the WebSocket layer, per message', () => {
  it('closes a frame over the maximum with 1009, and keeps serving everyone else', async () => {
    const layer = await start({ WS_MAX_MESSAGE_BYTES: '1024' });
    const { client: big, connectionId } = await openClient(layer, { anonymous: '1' });
    const { client: other } = await openClient(layer, { anonymous: '1' });
    big.ws.send('y'.repeat(2000));
    expect((await big.closed).code).toBe(1009);
    expect(await layer.protocol.closeOf(connectionId)).toBe(1009);
    other.ws.send('still here');
    expect(await other.next((message) => message['type'] === 'echo')).toMatchObject({ text: 'still here' });
    other.ws.close();
  });

  it('writes the frames a session sends in one tick to the socket at once', async () => {
    const layer = await start();
    const { client, connectionId } = await openClient(layer, { anonymous: '1' });
    const server = layer.protocol.sockets.get(connectionId) as unknown as { ws: { _socket: Socket } };
    const rawSocket = server.ws._socket;
    let writes = 0;
    for (const method of ['_write', '_writev'] as const) {
      const original = (rawSocket[method] as (...args: unknown[]) => void).bind(rawSocket);
      rawSocket[method] = ((...args: unknown[]) => {
        writes += 1;
        original(...args);
      }) as never;
    }
    client.ws.send('burst:5');
    await client.next((message) => message['type'] === 'burst' && message['index'] === 4);
    expect(client.messages.filter((message) => message['type'] === 'burst')).toHaveLength(5);
    expect(writes).toBe(1);
    client.ws.send('one');
    await client.next((message) => message['type'] === 'echo');
    expect(writes).toBe(2);
    client.ws.close();
  });

  it('passes binary frames to onBinary', async () => {
    const layer = await start();
    const { client } = await openClient(layer, { anonymous: '1' });
    client.ws.send(Buffer.alloc(10));
    expect(await client.next((message) => message['type'] === 'binary')).toMatchObject({ bytes: 10 });
    client.ws.close();
  });

  it('refuses the message over the rate limit with a wait, drops it, and keeps the connection open', async () => {
    const layer = await start({ LIMIT_WS_MESSAGES_PER_SECOND: '10' });
    const { client } = await openClient(layer, { anonymous: '1' });
    for (let index = 0; index < 11; index += 1) client.ws.send(`m${index}`);
    const limited = await client.next((message) => message['type'] === 'limited');
    expect(limited['code']).toBe('RATE_LIMITED');
    expect(limited['retryAfterMs']).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, Number(limited['retryAfterMs']) + 50));
    client.ws.send('after the wait');
    await client.next((message) => message['text'] === 'after the wait');
    const echoed = client.messages
      .filter((message) => message['type'] === 'echo')
      .map((message) => message['text']);
    expect(echoed).toHaveLength(11);
    expect(echoed.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, index) => `m${index}`));
    expect(client.messages.filter((message) => message['type'] === 'limited')).toHaveLength(1);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    client.ws.close();
  });

  it("applies a protocol's own message rate instead of LIMIT_WS_MESSAGES_PER_SECOND", async () => {
    const layer = await start(
      { LIMIT_WS_MESSAGES_PER_SECOND: '10' },
      { messageRate: { limitName: 'LIMIT_VOICE_MESSAGES_PER_SECOND', perSecond: 30 } },
    );
    const { client } = await openClient(layer, { anonymous: '1' });
    for (let index = 0; index < 40; index += 1) client.ws.send(`m${index}`);
    // Every message is answered, in order: an echo, or a refusal once past the protocol's 30.
    await client.next(() => client.messages.length >= 41);
    const echoed = client.messages.filter((message) => message['type'] === 'echo');
    expect(echoed).toHaveLength(30);
    expect(echoed.at(-1)).toMatchObject({ text: 'm29' });
    expect(client.messages.filter((message) => message['type'] === 'limited')).toHaveLength(10);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    client.ws.close();
  });

  it('closes a flood far over the rate limit with 1008', async () => {
    const layer = await start({ LIMIT_WS_MESSAGES_PER_SECOND: '10' });
    const { client, connectionId } = await openClient(layer, { anonymous: '1' });
    for (let index = 0; index < 200; index += 1) client.ws.send(`flood ${index}`);
    expect((await client.closed).code).toBe(1008);
    expect(await layer.protocol.closeOf(connectionId)).toBe(1008);
  });

  it('closes with 1011 when a session handler throws, and the server goes on', async () => {
    const layer = await start();
    const { client, connectionId } = await openClient(layer, { anonymous: '1' });
    client.ws.send('throw');
    expect((await client.closed).code).toBe(1011);
    expect(await layer.protocol.closeOf(connectionId)).toBe(1011);
    const { client: next } = await openClient(layer, { anonymous: '1' });
    next.ws.close();
  });
});

describe('the WebSocket layer, connection caps', () => {
  it("caps a tenant's concurrent connections, and admits again once one closes", async () => {
    const layer = await start({ LIMIT_CONNECTIONS_PER_TENANT: '2' });
    const { apiKey } = await newKey(layer);
    const first = await openClient(layer, { api_key: apiKey });
    const second = await openClient(layer, { api_key: apiKey });

    const third = connect(withQuery(layer.url, { api_key: apiKey }));
    const refusal = await third.greeting;
    expect(refusal).toMatchObject({ type: 'refused', code: 'RATE_LIMITED' });
    expect(refusal['retryAfterMs']).toBeGreaterThan(0);
    expect((await third.closed).code).toBe(4001);

    // Another tenant has its own count.
    const other = await newKey(layer);
    const otherClient = await openClient(layer, { api_key: other.apiKey });

    first.client.ws.close();
    await layer.protocol.closeOf(first.connectionId);
    const fourth = await openClient(layer, { api_key: apiKey });
    expect(layer.layer.connectionCount()).toBe(3);
    for (const { client } of [second, fourth, otherClient]) client.ws.close();
  });

  it("takes a tenant's own connection limit over the default", async () => {
    const layer = await start({ LIMIT_CONNECTIONS_PER_TENANT: '50' });
    const { tenantId, apiKey } = await newKey(layer);
    await layer.tenantAdmin.setTenantLimit({ tenantId, name: 'LIMIT_CONNECTIONS_PER_TENANT', value: 1 });
    const first = await openClient(layer, { api_key: apiKey });
    const second = connect(withQuery(layer.url, { api_key: apiKey }));
    expect(await second.greeting).toMatchObject({ type: 'refused', code: 'RATE_LIMITED' });
    first.client.ws.close();
  });

  it('caps anonymous connections per address, apart from authenticated ones', async () => {
    const layer = await start({ LIMIT_ANON_CONNECTIONS_PER_IP: '2' });
    const first = await openClient(layer, { anonymous: '1' });
    const second = await openClient(layer, { anonymous: '1' });
    const third = connect(withQuery(layer.url, { anonymous: '1' }));
    expect(await third.greeting).toMatchObject({ type: 'refused', code: 'RATE_LIMITED' });
    const { apiKey } = await newKey(layer);
    const keyed = await openClient(layer, { api_key: apiKey });
    second.client.ws.close();
    await layer.protocol.closeOf(second.connectionId);
    const fourth = await openClient(layer, { anonymous: '1' });
    for (const { client } of [first, keyed, fourth]) client.ws.close();
  });
});

describe('the WebSocket layer, when the shared connection counter is unreachable', () => {
  it('refuses in the protocol’s shape with SERVICE_UNAVAILABLE and keeps serving', async () => {
    let reachable = false;
    const layer = await start(
      {},
      {
        connectionCounter: {
          acquire: async () => {
            if (!reachable) throw new BusUnavailableError({ message: 'Redis is away' });
            return () => undefined;
          },
        },
      },
    );
    const refused = connect(withQuery(layer.url, { anonymous: '1' }));
    expect(await refused.greeting).toMatchObject({ type: 'refused', code: 'SERVICE_UNAVAILABLE' });
    reachable = true;
    const { client } = await openClient(layer, { anonymous: '1' });
    client.ws.close();
  });
});

describe('the WebSocket layer, malformed upgrades', () => {
  it('answers a malformed upgrade 400 without keeping a place under the connection cap', async () => {
    const layer = await start({ LIMIT_ANON_CONNECTIONS_PER_IP: '1' });
    const { port } = new URL(layer.url);
    const raw = connectRaw(Number(port));
    // No Sec-WebSocket-Key: ws refuses the handshake after admission and the cap were passed.
    raw.write(
      `GET ${TEST_PATH}?anonymous=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    );
    let answer = '';
    raw.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    await once(raw, 'close');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /u);
    const { client } = await openClient(layer, { anonymous: '1' });
    client.ws.close();
  });
});

describe('the WebSocket layer, liveness', () => {
  it('closes a client that stops reading with 1013 once 1 MiB waits for it, holding the memory flat', async () => {
    const layer = await start({ WS_MAX_BUFFERED_BYTES: String(MiB) });
    const { client, connectionId } = await openClient(layer, { anonymous: '1' });
    client.ws.pause();
    const before = memoryInUse();
    // 800 messages of 64 KiB: 50 MiB the client will not read.
    client.ws.send('bulk:800');
    await layer.protocol.bulkSent();
    const grown = memoryInUse() - before;
    expect(grown).toBeLessThan(20 * MiB);
    expect(await layer.protocol.closeOf(connectionId)).toBe(1013);
    client.ws.resume();
    expect((await client.closed).code).toBe(1013);
    const received = client.messages.filter((message) => message['type'] === 'bulk').length;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(800);
  });

  it('terminates a peer that stops answering pings, and keeps one that answers', async () => {
    const layer = await start({ WS_HEARTBEAT_MS: '100', WS_IDLE_TIMEOUT_MS: '0' });
    const silent = connect(withQuery(layer.url, { anonymous: '1' }), { autoPong: false });
    const silentId = String((await silent.greeting)['connectionId']);
    const { client: answering } = await openClient(layer, { anonymous: '1' });
    expect((await silent.closed).code).toBe(1006);
    expect(await layer.protocol.closeOf(silentId)).toBe(1006);
    answering.ws.send('alive?');
    expect(await answering.next((message) => message['type'] === 'echo')).toMatchObject({ text: 'alive?' });
    answering.ws.close();
  });

  it('closes an idle connection with 1000, but not one whose session is busy', async () => {
    const layer = await start({ WS_IDLE_TIMEOUT_MS: '300' });
    const { client: busy } = await openClient(layer, { anonymous: '1' });
    busy.ws.send('busy');
    await busy.next((message) => message['type'] === 'state');
    const { client: idle, connectionId } = await openClient(layer, { anonymous: '1' });
    expect(await idle.closed).toEqual({ code: 1000, reason: 'idle' });
    expect(await layer.protocol.closeOf(connectionId)).toBe(1000);
    // A second idle connection opened after the first closed outlives at least one more period.
    const { client: later } = await openClient(layer, { anonymous: '1' });
    expect((await later.closed).code).toBe(1000);
    expect(busy.ws.readyState).toBe(busy.ws.OPEN);
    busy.ws.send('idle');
    expect((await busy.closed).code).toBe(1000);
  });
});

describe('the WebSocket layer, revocation and expiry', () => {
  it("closes a revoked key's sockets with 1008 at once, leaving the tenant's other keys connected", async () => {
    const layer = await start({ REVOCATION_CHECK_MS: '3600000' });
    const revoked = await newKey(layer);
    const kept = await layer.tenantAdmin.createKey({ tenantId: revoked.tenantId });
    const first = await openClient(layer, { api_key: revoked.apiKey });
    const second = await openClient(layer, { api_key: revoked.apiKey });
    const other = await openClient(layer, { api_key: kept.api_key });
    await layer.tenantAdmin.revokeKey(revoked.keyId);
    expect((await first.client.closed).code).toBe(1008);
    expect((await second.client.closed).code).toBe(1008);
    other.client.ws.send('still here');
    await other.client.next((message) => message['type'] === 'echo');
    expect(layer.layer.connectionCount()).toBe(1);
    other.client.ws.close();
  });

  it('closes within REVOCATION_CHECK_MS a key revoked in the store by another process', async () => {
    const layer = await start({ REVOCATION_CHECK_MS: '100' });
    const { apiKey, keyId } = await newKey(layer);
    const { client, connectionId } = await openClient(layer, { api_key: apiKey });
    // As `npx cai key revoke` does: straight to the database, no listener in this process.
    await layer.store.revokeApiKey(keyId);
    expect((await client.closed).code).toBe(1008);
    expect(await layer.protocol.closeOf(connectionId)).toBe(1008);
  });

  it('closes a socket opened with a JWT when the token expires', async () => {
    const layer = await start();
    const { tenantId } = await newKey(layer);
    // Expiry is in whole seconds from the current second: a 1 s token issued late in a second can
    // expire before the upgrade is answered. 2 s leaves it at least a whole second to open.
    const { token } = await layer.tenantAdmin.issueToken({ tenantId, userId: 'alice', ttlSeconds: 2 });
    const { client, connectionId } = await openClient(layer, { token });
    expect((await client.closed).code).toBe(1008);
    expect(await layer.protocol.closeOf(connectionId)).toBe(1008);
  });
});

describe('the WebSocket layer, shutdown', () => {
  it('closes every socket with 1001, tells each session once, and refuses new upgrades', async () => {
    const layer = await start();
    const clients = [
      await openClient(layer, { anonymous: '1' }),
      await openClient(layer, { anonymous: '1' }),
    ];
    await layer.layer.close();
    for (const { client, connectionId } of clients) {
      expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
      expect(layer.protocol.closes.filter((close) => close.connectionId === connectionId)).toEqual([
        { connectionId, code: 1001 },
      ]);
    }
    expect(layer.layer.connectionCount()).toBe(0);
    const late = connect(withQuery(layer.url, { anonymous: '1' }));
    expect(await late.rejected).toBe(503);
  });

  it('counts open connections in a gauge by protocol', async () => {
    const layer = await start();
    const { client, connectionId } = await openClient(layer, { anonymous: '1' });
    const gauge = async () =>
      (await layer.metrics.wsConnections.get()).values.find((value) => value.labels['protocol'] === 'test')
        ?.value;
    expect(await gauge()).toBe(1);
    client.ws.close();
    await layer.protocol.closeOf(connectionId);
    expect(await gauge()).toBe(0);
  });
});
