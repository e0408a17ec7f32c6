import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../bus/testing/redis-test-support.ts';
import { AppError } from '../../core/errors.ts';
import {
  connect,
  createKit,
  Gate,
  ScriptedModel,
  type FakeConnection,
  type Kit,
} from './chat-stream-test-kit.ts';
import { createSignalingProtocol } from './signaling-protocol.ts';
import type { SignalingSession } from './signaling-session.ts';
import type { WsProtocol } from './ws-protocol.ts';

// Doc 002's signaling protocol over FakeProtocolSockets, on a real SQLite store, the real engine
// with a scripted model, and the in-process bus.

const sdp =
  'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n';
const offer = { type: 'offer', sdp };

type Connection = FakeConnection<SignalingSession>;

let kit: Kit | undefined;
let protocol: WsProtocol;
const open: Connection[] = [];

afterEach(async () => {
  for (const connection of open.splice(0)) if (connection.socket.isOpen) connection.drop(1000);
  protocol?.shutdown?.();
  await kit?.close();
  kit = undefined;
});

async function start(environment: Record<string, string> = {}): Promise<Kit> {
  kit = await createKit(environment);
  protocol = createSignalingProtocol(kit.dependencies);
  return kit;
}

function signalPath(peerId: string, key: string): string {
  return `/api/v1/webrtc/signal/${peerId}/${key}`;
}

/** Connects and waits until the peer has joined (or was refused). */
async function join(peerId: string, key = kit!.apiKey): Promise<Connection> {
  const connection = await connect<SignalingSession>(protocol, signalPath(peerId, key));
  open.push(connection);
  await connection.session?.ready;
  return connection;
}

function send(connection: Connection, frame: unknown): void {
  connection.session!.onText(typeof frame === 'string' ? frame : JSON.stringify(frame));
}

function errorFrame(connection: Connection, code: number) {
  return connection.socket.waitFor((message) => message['type'] === 'error' && message['code'] === code);
}

describe('connecting', () => {
  it('greets a peer with connected, its company and the ICE servers', async () => {
    await start({ ICE_SERVERS: '[{"urls":"stun:stun.example.test:3478"}]' });
    const alice = await join('alice');
    expect(alice.socket.sent[0]).toMatchObject({
      type: 'connected',
      peer_id: 'alice',
      company_id: kit!.tenantId,
      ice_servers: [{ urls: ['stun:stun.example.test:3478'] }],
    });
  });

  it('refuses a wrong, missing or non-key credential in the path with 4001', async () => {
    await start();
    const token = await kit!.tokenFor('alice');
    for (const key of ['cai_wrongwrong_wrongwrongwrongwrong', 'not-a-key', token]) {
      const refused = await join('alice', key);
      expect(refused.session).toBeUndefined();
      expect(refused.socket.sent).toEqual([expect.objectContaining({ type: 'error', code: 4001 })]);
      expect(refused.socket.closed?.code).toBe(4001);
    }
    const keyless = await connect(protocol, '/api/v1/webrtc/signal/alice/');
    expect(keyless.socket.closed?.code).toBe(4001);
  });

  it('refuses a peer id with path tricks, too long, unicode or broken escapes with 4003', async () => {
    await start();
    for (const peerId of ['..%2Fx', 'a/b', 'x'.repeat(65), '%C3%A9lodie', 'bob%20', '%E0%A4%A', 'a%00']) {
      const refused = await join(peerId);
      expect(refused.session, peerId).toBeUndefined();
      expect(refused.socket.closed?.code, peerId).toBe(4003);
    }
    expect((await join('x'.repeat(64))).socket.sent[0]).toMatchObject({ type: 'connected' });
  });

  it('closes with 1011 when the server cannot check the key (storage gone)', async () => {
    await start();
    await kit!.store.close();
    const refused = await join('alice');
    expect(refused.socket.sent).toEqual([
      expect.objectContaining({ type: 'error', code: 1011, error_code: 'INTERNAL_ERROR' }),
    ]);
    expect(refused.socket.closed?.code).toBe(1011);
  });

  it('only serves its own path', async () => {
    await start();
    expect(protocol.match('/api/v1/webrtc/signal/alice/key')).toEqual({
      peer_id: 'alice',
      company_api_key: 'key',
    });
    expect(protocol.match('/api/v1/webrtc/signal/a/b/key')).toEqual({
      peer_id: 'a/b',
      company_api_key: 'key',
    });
    expect(protocol.match('/api/v1/webrtc/signal/alice')).toBeUndefined();
    expect(protocol.match('/api/v1/webrtc/peers/key')).toBeUndefined();
  });
});

describe('relaying', () => {
  it('relays signals and messages to the named peer of the company, in order, naming the sender', async () => {
    await start();
    const alice = await join('alice');
    const bob = await join('bob');
    const candidate = {
      candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    };
    send(alice, { type: 'signal', to_peer: 'bob', data: offer });
    send(alice, { type: 'signal', to_peer: 'bob', data: { type: 'candidate', candidate } });
    send(alice, { type: 'message', to_peer: 'bob', data: { content: 'ring ring' } });
    await bob.socket.waitFor((message) => message['type'] === 'message');
    expect(bob.socket.sent.slice(1)).toEqual([
      { type: 'signal', from_peer: 'alice', data: offer },
      { type: 'signal', from_peer: 'alice', data: { type: 'candidate', candidate } },
      { type: 'message', from_peer: 'alice', data: { content: 'ring ring' } },
    ]);
    expect(alice.socket.ofType('error')).toEqual([]);
  });

  it('answers 4004 for a peer not connected, and for a peer of another company, and stays open', async () => {
    await start();
    const other = await kit!.otherTenant();
    const alice = await join('alice');
    const strangerBob = await join('bob', other.apiKey);
    send(alice, { type: 'signal', to_peer: 'bob', data: offer });
    const error = await errorFrame(alice, 4004);
    expect(error).toMatchObject({ error_code: 'NOT_FOUND', to_peer: 'bob' });
    expect(
      strangerBob.socket.sent.filter((message) => (message as { type: string }).type !== 'connected'),
    ).toEqual([]);
    send(alice, { type: 'ping' });
    await alice.socket.waitFor((message) => message['type'] === 'pong');
    expect(alice.socket.isOpen).toBe(true);
  });

  it('answers bad frames with 4000 and goes on serving', async () => {
    await start();
    const alice = await join('alice');
    const bob = await join('bob');
    send(alice, 'not json');
    send(alice, { type: 'teleport' });
    send(alice, { type: 'signal', to_peer: 'bob', data: { type: 'offer', sdp: 'nonsense' } });
    send(alice, { type: 'signal', to_peer: '../bob', data: offer });
    alice.session!.onBinary(Buffer.from([1, 2, 3]));
    send(alice, { type: 'signal', to_peer: 'bob', data: offer });
    await bob.socket.waitFor((message) => message['type'] === 'signal');
    const errors = alice.socket.ofType('error');
    expect(errors.map((error) => [error['code'], error['error_code']])).toEqual([
      [4000, 'INVALID_JSON'],
      [4000, 'UNKNOWN_TYPE'],
      [4000, 'VALIDATION_FAILED'],
      [4000, 'VALIDATION_FAILED'],
      [4000, 'INVALID_REQUEST'],
    ]);
    expect(bob.socket.ofType('signal')).toHaveLength(1);
    expect(alice.socket.isOpen).toBe(true);
  });

  it('tells a client it is sending too fast with 4029 and a wait', async () => {
    await start();
    const alice = await join('alice');
    alice.session!.onRefused(new AppError('RATE_LIMITED', { retryAfterMs: 300 }));
    expect(await errorFrame(alice, 4029)).toMatchObject({ error_code: 'RATE_LIMITED', retry_after_ms: 300 });
  });

  it('hands frames sent before the peer has joined on once it has, in order', async () => {
    await start();
    const bob = await join('bob');
    const alice = await connect<SignalingSession>(protocol, signalPath('alice', kit!.apiKey));
    open.push(alice);
    send(alice, { type: 'signal', to_peer: 'bob', data: offer });
    send(alice, { type: 'ping' });
    await alice.socket.waitFor((message) => message['type'] === 'pong');
    expect(alice.socket.sent[0]).toMatchObject({ type: 'connected' });
    expect(bob.socket.ofType('signal')).toHaveLength(1);
  });
});

describe('one connection per peer id', () => {
  it('closes the older connection with 4005 when the same peer id connects again; the newer one gets the relays', async () => {
    await start();
    const first = await join('alice');
    const second = await join('alice');
    expect(await errorFrame(first, 4005)).toMatchObject({ error_code: 'CONFLICT' });
    expect(first.socket.closed?.code).toBe(4005);
    first.drop(4005);

    const bob = await join('bob');
    send(bob, { type: 'signal', to_peer: 'alice', data: offer });
    await second.socket.waitFor((message) => message['type'] === 'signal');
    expect(first.socket.ofType('signal')).toEqual([]);
  });
});

describe('the company cap', () => {
  it('refuses a connection over LIMIT_SIGNALING_PER_COMPANY with 4002, and admits one again after a close', async () => {
    await start({ LIMIT_SIGNALING_PER_COMPANY: '2' });
    const other = await kit!.otherTenant();
    const alice = await join('alice');
    await join('bob');
    const carol = await join('carol');
    expect(carol.socket.sent).toEqual([
      expect.objectContaining({ type: 'error', code: 4002, error_code: 'RATE_LIMITED' }),
    ]);
    expect(carol.socket.closed?.code).toBe(4002);
    carol.drop(4002);
    // Another company is not affected.
    expect((await join('carol', other.apiKey)).socket.sent[0]).toMatchObject({ type: 'connected' });

    alice.drop(1000);
    const admitted = await eventually(
      async () => {
        const retry = await join('dave');
        if (retry.socket.closed !== undefined) retry.drop(4002);
        return retry.socket.sent[0];
      },
      (first) => (first as { type?: string } | undefined)?.type === 'connected',
    );
    expect(admitted).toMatchObject({ type: 'connected', peer_id: 'dave' });
  });

  it("takes the company's own limit over the default", async () => {
    await start({ LIMIT_SIGNALING_PER_COMPANY: '5' });
    await kit!.store.setTenantLimit(kit!.tenantId, 'LIMIT_SIGNALING_PER_COMPANY', 1);
    await join('alice');
    expect((await join('bob')).socket.closed?.code).toBe(4002);
  });
});

describe('messages for the AI', () => {
  it('answers in stream frames, then one with done and the whole content, stored as the peer’s chat', async () => {
    await start();
    const alice = await join('alice');
    send(alice, { type: 'message', data: { content: 'Hello AI', timestamp: '2024-01-25T10:30:00Z' } });
    const done = (await alice.socket.waitFor(
      (message) => message['type'] === 'stream' && (message['data'] as { done?: boolean }).done === true,
    )) as {
      data: { message_id: string; conversation_id: string; content: string; finish_reason: string };
    };
    const deltas = alice.socket
      .ofType('stream')
      .filter((frame) => (frame['data'] as { delta?: string }).delta !== undefined);
    expect(deltas.map((frame) => (frame['data'] as { delta: string }).delta)).toEqual(['Hello', ' there.']);
    expect(
      deltas.every((frame) => (frame['data'] as { message_id: string }).message_id === done.data.message_id),
    ).toBe(true);
    expect(done.data).toMatchObject({
      content: 'Hello there.',
      finish_reason: 'stop',
      usage: { total_tokens: 10 },
    });

    const stored = await kit!.messages({ tenantId: kit!.tenantId }, done.data.conversation_id);
    expect(stored.map((message) => [message.role, message.content, message.status])).toEqual([
      ['user', 'Hello AI', 'complete'],
      ['assistant', 'Hello there.', 'complete'],
    ]);
    const conversation = await kit!.store.getConversation(
      { tenantId: kit!.tenantId },
      done.data.conversation_id,
    );
    expect(conversation?.userId).toBe('alice');
  });

  it('counts each question against the weekly AI quota, refusing with 4029 once it is used up', async () => {
    await start({ LIMIT_AI_REQUESTS_PER_WEEK: '1' });
    const alice = await join('alice');
    send(alice, { type: 'message', data: { content: 'first' } });
    send(alice, { type: 'message', data: { content: 'second' } });
    expect(await errorFrame(alice, 4029)).toMatchObject({ error_code: 'QUOTA_EXCEEDED' });
    expect(kit!.model.requests).toHaveLength(1);
  });

  it('refuses an empty question with 4000 and stores nothing', async () => {
    await start();
    const alice = await join('alice');
    send(alice, { type: 'message', data: { content: '   ' } });
    expect(await errorFrame(alice, 4000)).toMatchObject({ error_code: 'VALIDATION_FAILED' });
    expect(kit!.model.requests).toHaveLength(0);
  });

  it('stops the reply when the client leaves, storing it as interrupted', async () => {
    await start();
    const gate = new Gate();
    kit!.model = new ScriptedModel([
      [{ delta: 'Partial' }, { wait: gate }, { delta: ' rest.' }, { finish: 'stop' }],
    ]);
    const alice = await join('alice');
    send(alice, { type: 'message', data: { content: 'Tell me a story' } });
    const first = (await alice.socket.waitFor((message) => message['type'] === 'stream')) as {
      data: { conversation_id: string };
    };
    expect(alice.session!.busy).toBe(true);
    alice.drop(1001);
    await kit!.dependencies.activeTurns.whenIdle();
    const stored = await kit!.messages({ tenantId: kit!.tenantId }, first.data.conversation_id);
    expect(stored[1]).toMatchObject({ role: 'assistant', status: 'interrupted' });
    expect(kit!.model.aborted[0]).toBe(true);
  });
});

describe('idleness', () => {
  // The layer's idle sweep closes a connection idle for the protocol's idleTimeoutMs unless its
  // session is busy (ws-layer.test.ts); over real sockets: test/integration/signaling.test.ts.
  it('has the layer close it after SIGNALING_IDLE_TIMEOUT_MS, and is busy while a reply is running', async () => {
    await start({ SIGNALING_IDLE_TIMEOUT_MS: '1000' });
    expect(protocol.idleTimeoutMs).toBe(1000);
    const gate = new Gate();
    kit!.model = new ScriptedModel([[{ delta: 'Thinking' }, { wait: gate }, { finish: 'stop' }]]);
    const quiet = await join('quiet');
    const talking = await join('talking');
    expect(quiet.session!.busy).toBe(false);

    send(talking, { type: 'message', data: { content: 'Think hard' } });
    await talking.socket.waitFor((message) => message['type'] === 'stream');
    expect(talking.session!.busy).toBe(true);
    gate.open();
    await kit!.dependencies.activeTurns.whenIdle();
    await expect.poll(() => talking.session!.busy).toBe(false);
  });
});
