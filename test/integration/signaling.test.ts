import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createLogger } from '../../src/logger.ts';
import { SignalingClient, TEST_SDP, type Frame } from '../support/signaling-client.ts';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app.ts';

// Doc 002's WebRTC signaling on a real server over real sockets, in embedded mode: relays, the
// REST endpoints beside it, and bad input of every kind refused without disturbing the company.

const clients: SignalingClient[] = [];

function connect(server: TestApp, peerId: string, key: string): SignalingClient {
  const client = SignalingClient.connect({ baseUrl: server.baseUrl, peerId, key });
  clients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** Two peers of the company still reach each other. */
async function stillTalking(from: SignalingClient, to: SignalingClient, toPeer: string): Promise<void> {
  const before = to.ofType('signal').length;
  from.send({ type: 'signal', to_peer: toPeer, data: { type: 'offer', sdp: TEST_SDP } });
  await to.next(() => to.ofType('signal').length > before, 'a relayed signal');
}

describe('WebRTC signaling (doc 002)', () => {
  let server: TestApp;
  let acme: { tenantId: string; apiKey: string };
  let globex: { tenantId: string; apiKey: string };

  beforeAll(async () => {
    server = await startTestApp({ ICE_SERVERS: '[{"urls":["stun:stun.example.test:3478"]}]' });
    acme = await server.createTenant('acme');
    globex = await server.createTenant('globex');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('greets each peer and relays offer, answer and candidates between two peers of a company', async () => {
    const alice = await connect(server, 'alice', acme.apiKey).joined();
    const bob = await connect(server, 'bob', acme.apiKey).joined();
    expect(alice.frames[0]).toMatchObject({
      type: 'connected',
      peer_id: 'alice',
      company_id: acme.tenantId,
      ice_servers: [{ urls: ['stun:stun.example.test:3478'] }],
    });

    const candidate = {
      candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    };
    alice.send({ type: 'signal', to_peer: 'bob', data: { type: 'offer', sdp: TEST_SDP } });
    alice.send({ type: 'signal', to_peer: 'bob', data: { type: 'candidate', candidate } });
    const offer = await bob.next((frame) => frame['type'] === 'signal');
    expect(offer).toEqual({ type: 'signal', from_peer: 'alice', data: { type: 'offer', sdp: TEST_SDP } });
    bob.send({ type: 'signal', to_peer: 'alice', data: { type: 'answer', sdp: TEST_SDP } });
    expect(await alice.next((frame) => frame['type'] === 'signal')).toEqual({
      type: 'signal',
      from_peer: 'bob',
      data: { type: 'answer', sdp: TEST_SDP },
    });
    await bob.next(() => bob.ofType('signal').length === 2, 'the candidate');
    expect(bob.ofType('signal')[1]).toEqual({
      type: 'signal',
      from_peer: 'alice',
      data: { type: 'candidate', candidate },
    });

    alice.send({ type: 'ping' });
    expect(await alice.next((frame) => frame['type'] === 'pong')).toEqual({ type: 'pong' });
  });

  it('keeps companies apart: a peer of another company is "not found" (4004), and its list leaves it out', async () => {
    const alice = await connect(server, 'alice', acme.apiKey).joined();
    const strangerBob = await connect(server, 'bob', globex.apiKey).joined();
    alice.send({ type: 'signal', to_peer: 'bob', data: { type: 'offer', sdp: TEST_SDP } });
    expect(await alice.error(4004)).toMatchObject({ error_code: 'NOT_FOUND', to_peer: 'bob' });
    await strangerBob.roundTrip();
    expect(strangerBob.ofType('signal')).toEqual([]);

    const peers = await server.request(`/api/v1/webrtc/peers/${acme.apiKey}`);
    expect(peers.status).toBe(200);
    expect(await peers.json()).toEqual({ company_id: acme.tenantId, active_peers: ['alice'] });
  });

  it('answers GET /webrtc/peers only for a valid key, and only for the company of the request’s own credential', async () => {
    expect((await server.request('/api/v1/webrtc/peers/cai_wrongwrong_wrongwrongwrongwrong')).status).toBe(
      401,
    );
    expect((await server.request('/api/v1/webrtc/peers/not-a-key')).status).toBe(401);
    const crossed = await server.request(`/api/v1/webrtc/peers/${acme.apiKey}`, { key: globex.apiKey });
    expect(crossed.status).toBe(404);
    const same = await server.request(`/api/v1/webrtc/peers/${acme.apiKey}`, { key: acme.apiKey });
    expect(same.status).toBe(200);
  });

  it('serves the ICE servers to a company, and the stats to the operator only', async () => {
    const ice = await server.request('/api/v1/webrtc/ice-servers', { key: acme.apiKey });
    expect(await ice.json()).toEqual({ iceServers: [{ urls: ['stun:stun.example.test:3478'] }] });
    expect((await server.request('/api/v1/webrtc/ice-servers')).status).toBe(401);

    await connect(server, 'alice', acme.apiKey).joined();
    await connect(server, 'bob', acme.apiKey).joined();
    await connect(server, 'carol', globex.apiKey).joined();
    expect((await server.request('/api/v1/webrtc/stats', { key: acme.apiKey })).status).toBe(401);
    const stats = await server.request('/api/v1/webrtc/stats', { key: TEST_ADMIN_KEY });
    expect(stats.status).toBe(200);
    const body = (await stats.json()) as {
      total_peers: number;
      total_companies: number;
      peers_by_company: Record<string, number>;
      peer_details: Array<Record<string, unknown>>;
    };
    expect(body).toMatchObject({
      total_peers: 3,
      total_companies: 2,
      peers_by_company: { [acme.tenantId]: 2, [globex.tenantId]: 1 },
    });
    expect(body.peer_details).toContainEqual(
      expect.objectContaining({ peer_id: 'carol', company_id: globex.tenantId, is_connected: true }),
    );
    for (const peer of body.peer_details) {
      expect(Number.isNaN(Date.parse(String(peer['connected_at'])))).toBe(false);
      expect(Number.isNaN(Date.parse(String(peer['last_activity'])))).toBe(false);
      expect(typeof peer['message_count']).toBe('number');
    }
  });

  it('answers its health over GET and over a WebSocket, without credentials', async () => {
    const response = await server.request('/api/v1/webrtc/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'healthy', bus: 'memory' });

    const socket = new WebSocket(`${server.baseUrl.replace('http', 'ws')}/api/v1/webrtc/health`);
    const reports: Frame[] = [];
    await new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('message', (data) => {
        reports.push(JSON.parse(String(data)) as Frame);
        if (reports.length === 1) socket.send('ping');
        else resolve();
      });
    });
    socket.close();
    for (const report of reports) {
      expect(report).toMatchObject({ status: 'healthy' });
      expect(Number.isNaN(Date.parse(String(report['timestamp'])))).toBe(false);
    }
  });

  it('refuses a wrong key with 4001 and a bad peer id with 4003, and the company goes on', async () => {
    const alice = await connect(server, 'alice', acme.apiKey).joined();
    const bob = await connect(server, 'bob', acme.apiKey).joined();

    const wrongKey = connect(server, 'mallory', 'cai_wrongwrong_wrongwrongwrongwrong');
    expect(await wrongKey.greeting()).toMatchObject({ type: 'error', code: 4001 });
    expect((await wrongKey.closed).code).toBe(4001);
    for (const peerId of ['..%2Fx', 'x'.repeat(65), '%C3%A9lodie', 'a%2Fb']) {
      const refused = connect(server, peerId, acme.apiKey);
      expect((await refused.closed).code, peerId).toBe(4003);
    }
    // A literal "../" is resolved away by URL rules before any protocol sees it: no such endpoint.
    const dotted = new SignalingClient(
      `${server.baseUrl.replace('http', 'ws')}/api/v1/webrtc/signal/../x/${acme.apiKey}`,
    );
    clients.push(dotted);
    expect(await dotted.rejected).toBe(404);

    await stillTalking(alice, bob, 'bob');
    expect(await (await server.request(`/api/v1/webrtc/peers/${acme.apiKey}`)).json()).toMatchObject({
      active_peers: ['alice', 'bob'],
    });
  });

  it('closes a frame over 1 MiB with 1009, and the company’s other peers are unaffected', async () => {
    const alice = await connect(server, 'alice', acme.apiKey).joined();
    const bob = await connect(server, 'bob', acme.apiKey).joined();
    const carol = await connect(server, 'carol', acme.apiKey).joined();
    const huge = `${TEST_SDP}a=x-padding:${'x'.repeat(1_048_576)}\r\n`;
    alice.send({ type: 'signal', to_peer: 'bob', data: { type: 'offer', sdp: huge } });
    expect((await alice.closed).code).toBe(1009);
    await stillTalking(carol, bob, 'bob');
    expect(bob.ofType('signal').every((frame) => frame['from_peer'] === 'carol')).toBe(true);
  });

  it('answers the AI in stream frames when a message names no peer', async () => {
    const alice = await connect(server, 'alice', acme.apiKey).joined();
    alice.send({ type: 'message', data: { content: 'Hello AI', timestamp: '2024-01-25T10:30:00Z' } });
    const done = await alice.next(
      (frame) => frame['type'] === 'stream' && (frame['data'] as { done?: boolean }).done === true,
      'the last stream frame',
    );
    const data = done['data'] as { content: string; conversation_id: string; message_id: string };
    const deltas = alice
      .ofType('stream')
      .map((frame) => (frame['data'] as { delta?: string }).delta)
      .filter((delta) => delta !== undefined);
    expect(deltas.join('')).toBe(data.content);
    expect(data.content).toMatch(/Hello AI/);

    const history = await server.request(`/api/v1/chats/${data.conversation_id}/messages`, {
      key: acme.apiKey,
    });
    const { messages } = (await history.json()) as {
      messages: Array<{ role: string; content: string; id: string }>;
    };
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(messages[1]).toMatchObject({ id: data.message_id, content: data.content });
  });

  it('closes the sockets of a revoked key with 1008', async () => {
    const created = await server.request(`/api/v1/admin/tenants/${acme.tenantId}/keys`, {
      method: 'POST',
      key: TEST_ADMIN_KEY,
    });
    const { key_id: keyId, api_key: apiKey } = (await created.json()) as { key_id: string; api_key: string };
    const doomed = await connect(server, 'doomed', apiKey).joined();
    const revoked = await server.request(`/api/v1/admin/keys/${keyId}`, {
      method: 'DELETE',
      key: TEST_ADMIN_KEY,
    });
    expect(revoked.status).toBe(200);
    expect((await doomed.closed).code).toBe(1008);
  });
});

describe('signaling limits and timers', () => {
  let server: TestApp | undefined;
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await server?.close();
    server = undefined;
  });

  it('answers a flood of signals with 4029, then closes it, and the company’s other peers keep talking', async () => {
    server = await startTestApp({ LIMIT_SIGNALING_MESSAGES_PER_SECOND: '5' });
    const acme = await server.createTenant('acme');
    const flooder = await connect(server, 'flooder', acme.apiKey).joined();
    const bob = await connect(server, 'bob', acme.apiKey).joined();
    const carol = await connect(server, 'carol', acme.apiKey).joined();
    for (let index = 0; index < 60; index += 1) {
      flooder.send({ type: 'signal', to_peer: 'bob', data: { type: 'offer', sdp: TEST_SDP } });
    }
    expect((await flooder.closed).code).toBe(1008);
    expect(flooder.ofType('error')[0]).toMatchObject({ code: 4029, error_code: 'RATE_LIMITED' });
    expect(flooder.ofType('error')[0]?.['retry_after_ms']).toBeGreaterThan(0);
    expect(bob.ofType('signal').length).toBeLessThanOrEqual(5);
    await stillTalking(carol, bob, 'bob');
  });

  it('refuses the connection over LIMIT_SIGNALING_PER_COMPANY with 4002', async () => {
    server = await startTestApp({ LIMIT_SIGNALING_PER_COMPANY: '2' });
    const acme = await server.createTenant('acme');
    await connect(server, 'alice', acme.apiKey).joined();
    await connect(server, 'bob', acme.apiKey).joined();
    const carol = connect(server, 'carol', acme.apiKey);
    expect(await carol.greeting()).toMatchObject({ type: 'error', code: 4002 });
    expect((await carol.closed).code).toBe(4002);
  });

  it('closes a connection idle for SIGNALING_IDLE_TIMEOUT_MS with 1000, and pings it meanwhile', async () => {
    server = await startTestApp({ SIGNALING_IDLE_TIMEOUT_MS: '600', WS_HEARTBEAT_MS: '100' });
    const acme = await server.createTenant('acme');
    const quiet = await connect(server, 'quiet', acme.apiKey).joined();
    let pings = 0;
    quiet.ws.on('ping', () => (pings += 1));
    expect(await quiet.closed).toEqual({ code: 1000, reason: 'idle' });
    expect(pings).toBeGreaterThan(0);
  });

  it('a second connection with the same peer id closes the first with 4005', async () => {
    server = await startTestApp();
    const acme = await server.createTenant('acme');
    const first = await connect(server, 'alice', acme.apiKey).joined();
    const second = await connect(server, 'alice', acme.apiKey).joined();
    expect((await first.closed).code).toBe(4005);
    const bob = await connect(server, 'bob', acme.apiKey).joined();
    await stillTalking(bob, second, 'alice');
  });

  it('never writes the key carried in the path to the logs', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    server = await startTestApp({ DEBUG: 'true' }, { logger: createLogger({ level: 'trace', destination }) });
    const acme = await server.createTenant('acme');
    const mistyped = 'my-company-secret-typo';
    await connect(server, 'alice', acme.apiKey).joined();
    await await connect(server, 'bob', mistyped).closed;
    await server.request(`/api/v1/webrtc/peers/${acme.apiKey}`);
    await server.request(`/api/v1/webrtc/peers/${mistyped}`);
    expect(lines.some((line) => line.includes('/api/v1/webrtc/peers/[redacted]'))).toBe(true);
    const output = lines.join('');
    expect(output).not.toContain(acme.apiKey);
    expect(output).not.toContain(mistyped);
  });
});
