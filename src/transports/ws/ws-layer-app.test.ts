import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, type RawData } from 'ws';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../../../test/support/test-app.ts';

// The layer as app.ts wires it: the real server, the doc 000 protocol at `/`, revocation through
// the admin API and through the store, /health's count, and SIGTERM's close 1001.

let testApp: TestApp | undefined;

afterEach(async () => {
  await testApp?.close();
  testApp = undefined;
});

async function newKey(app: TestApp): Promise<{ tenantId: string; keyId: string; apiKey: string }> {
  const { tenantId } = await app.createTenant('Acme');
  const response = await app.request(`/api/v1/admin/tenants/${tenantId}/keys`, {
    method: 'POST',
    key: TEST_ADMIN_KEY,
  });
  const created = (await response.json()) as { key_id: string; api_key: string };
  return { tenantId, keyId: created.key_id, apiKey: created.api_key };
}

/** A doc 000 client, once CONNECTED; `closed` settles with the close code. */
async function connectCai(app: TestApp, key: { tenantId: string; apiKey: string }) {
  const url = `${app.baseUrl.replace(/^http/u, 'ws')}/?authorization=${encodeURIComponent(`Bearer ${key.apiKey}`)}&orgId=${key.tenantId}`;
  const ws = new WebSocket(url);
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const connected = await new Promise<Record<string, unknown>>((resolve, reject) => {
    ws.on('message', (data: RawData) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      if (message['type'] === 'CONNECTED') resolve(message);
      else reject(new Error(`expected CONNECTED, got ${String(data)}`));
    });
  });
  return { ws, connected, closed };
}

describe('the WebSocket layer in the app', () => {
  it('closes the sockets of a key revoked through the admin API with 1008', async () => {
    testApp = await startTestApp({ REVOCATION_CHECK_MS: '3600000' });
    const key = await newKey(testApp);
    const client = await connectCai(testApp, key);
    const revoked = await testApp.request(`/api/v1/admin/keys/${key.keyId}`, {
      method: 'DELETE',
      key: TEST_ADMIN_KEY,
    });
    expect(revoked.status).toBe(200);
    expect(await client.closed).toBe(1008);
  });

  it('closes the sockets of a key revoked in the database by another process', async () => {
    testApp = await startTestApp({ REVOCATION_CHECK_MS: '100' });
    const key = await newKey(testApp);
    const client = await connectCai(testApp, key);
    await testApp.app.store.revokeApiKey(key.keyId);
    expect(await client.closed).toBe(1008);
  });

  it('counts open sockets in /health and closes them with 1001 on shutdown', async () => {
    testApp = await startTestApp();
    const key = await newKey(testApp);
    const client = await connectCai(testApp, key);
    const health = (await (await testApp.request('/health')).json()) as { active_connections: number };
    expect(health.active_connections).toBe(1);
    const app = testApp;
    testApp = undefined;
    const shutdown = app.close();
    expect(await client.closed).toBe(1001);
    await shutdown;
  });
});

describe('shutdown with a reply streaming over a socket', () => {
  it('lets the reply finish, then closes with 1001', async () => {
    testApp = await startTestApp({ OFFLINE_MODEL_TOKEN_DELAY_MS: '15', SHUTDOWN_DRAIN_MS: '30000' });
    const key = await newKey(testApp);
    const client = await connectCai(testApp, key);
    const received: Array<Record<string, unknown>> = [];
    client.ws.on('message', (data: RawData) =>
      received.push(JSON.parse(String(data)) as Record<string, unknown>),
    );
    const firstChunk = new Promise<void>((resolve) =>
      client.ws.on('message', (data: RawData) => {
        if (String(data).includes('COMPLETION_CHUNK')) resolve();
      }),
    );
    client.ws.send(JSON.stringify({ type: 'COMPLETION', payload: { prompt: 'Tell me everything.' } }));
    await firstChunk;
    const app = testApp;
    testApp = undefined;
    const shutdown = app.close();
    expect(await client.closed).toBe(1001);
    await shutdown;
    const ended = received.find((message) => message['type'] === 'COMPLETION_ENDED');
    expect(ended).toMatchObject({ finishReason: 'stop' });
    const chunks = received.filter((message) => message['type'] === 'COMPLETION_CHUNK').map((m) => m['text']);
    expect(chunks.join('')).toBe(ended?.['text']);
  });
});
