import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatStreamConnection } from './chat-stream-connection.ts';
import { createChatStreamProtocol, type ChatStreamProtocol } from './chat-stream-protocol.ts';
import { connect, createKit, Gate, ScriptedModel, type Kit } from './chat-stream-test-kit.ts';

// Doc 004's resumable streams: a client that lost its socket mid-reply reconnects, names the old
// connection_id and the last seq it saw, and gets each missed message exactly once, then the rest.

let kit: Kit;
let protocol: ChatStreamProtocol;
let gate: Gate;

beforeEach(async () => {
  kit = await createKit();
  protocol = createChatStreamProtocol(kit.dependencies);
  gate = new Gate();
  kit.model = new ScriptedModel([
    [
      { delta: 'one ' },
      { delta: 'two ' },
      { wait: gate },
      { delta: 'three ' },
      { delta: 'four' },
      { finish: 'stop' },
    ],
  ]);
});
afterEach(async () => {
  gate.open();
  protocol.sessions.expireAll();
  await kit.close();
});

async function open(query = `api_key=${kit.apiKey}&user_id=user123`) {
  const connection = await connect<ChatStreamConnection>(protocol, `/ws/chat?${query}`);
  await connection.session?.ready;
  return connection;
}

type Sent = Record<string, unknown>;
const seqOf = (message: unknown) => (message as { seq?: number }).seq;
const ended = (message: Sent) => message['type'] === 'message_stream_ended';

/** A connection mid-reply: two tokens out, the model waiting at the gate. */
async function midReply() {
  const first = await open();
  const greeting = first.socket.sent[0] as { connection_id: string; chat_id: string };
  first.session!.onText(JSON.stringify({ content: 'count' }));
  await first.socket.waitFor((message) => message['token'] === 'two ');
  return { first, connectionId: greeting.connection_id, chatId: greeting.chat_id };
}

describe('doc 004 resume', () => {
  it('replays each missed message exactly once, in order, then the rest live; the reply kept generating', async () => {
    const { first, connectionId, chatId } = await midReply();
    // The client saw message_received and message_stream_started only (seq 1, 2); then the socket died.
    const lastSeen = 2;
    first.drop();
    gate.open();
    await kit.dependencies.activeTurns.whenIdle();

    const second = await open(`api_key=${kit.apiKey}&user_id=user123&chat_id=${chatId}`);
    const greetings = second.socket.sent.length;
    second.session!.onText(
      JSON.stringify({ type: 'resume', connection_id: connectionId, last_seq: lastSeen }),
    );
    await second.socket.waitFor(ended);

    const after = second.socket.sent.slice(greetings) as Sent[];
    expect(after[0]).toEqual({ type: 'resumed', connection_id: connectionId, replayed: 5 });
    expect(after.slice(1).map(seqOf)).toEqual([3, 4, 5, 6, 7]);
    expect(after.slice(1).map((message) => message['token'] ?? message['type'])).toEqual([
      'one ',
      'two ',
      'three ',
      'four',
      'message_stream_ended',
    ]);
    expect(after.at(-1)).toMatchObject({ content: 'one two three four', finish_reason: 'stop' });
    expect(kit.model.requests).toHaveLength(1);

    // The new socket now carries the old session: later messages continue its seq.
    second.session!.onText(JSON.stringify({ content: 'again' }));
    await second.socket.waitFor(
      (message) => message['type'] === 'message_received' && message['content'] === 'again',
    );
    expect(seqOf(second.socket.ofType('message_received').at(-1))).toBe(8);
  });

  it('resumes while the reply is still streaming and delivers the rest live', async () => {
    const { first, connectionId } = await midReply();
    first.drop();
    const second = await open();
    second.session!.onText(JSON.stringify({ type: 'resume', connection_id: connectionId, last_seq: 4 }));
    await second.socket.waitFor((message) => message['type'] === 'resumed');
    expect(second.socket.ofType('resumed')[0]).toMatchObject({ replayed: 0 });

    gate.open();
    await second.socket.waitFor(ended);
    const streamed = second.socket.sent.filter((message) => seqOf(message) !== undefined);
    expect(streamed.map(seqOf)).toEqual([5, 6, 7]);
  });

  it('takes over a half-open connection: the old socket is closed with 1000 and hears nothing more', async () => {
    const { first, connectionId } = await midReply();
    const second = await open();
    second.session!.onText(JSON.stringify({ type: 'resume', connection_id: connectionId, last_seq: 4 }));
    await second.socket.waitFor((message) => message['type'] === 'resumed');
    expect(first.socket.closed?.code).toBe(1000);
    first.session!.onClose(1000); // the layer reports the close: must not park the resumed session

    const before = first.socket.sent.length;
    gate.open();
    await second.socket.waitFor(ended);
    expect(first.socket.sent).toHaveLength(before);
    expect(protocol.sessions.size).toBe(1);
  });

  it('refuses an unknown connection_id with RESUME_FAILED pointing at the REST history, and goes on as a fresh session', async () => {
    const { socket, session } = await open();
    session!.onText(JSON.stringify({ type: 'resume', connection_id: 'no-such-connection', last_seq: 3 }));
    const error = await socket.waitFor((message) => message['type'] === 'error');
    expect(error).toMatchObject({
      code: 'RESUME_FAILED',
      details: { hint: expect.stringContaining('GET /api/v1/chats/'), connection_id: 'no-such-connection' },
    });
    expect(error).not.toHaveProperty('seq');

    session!.onText(JSON.stringify({ content: 'fresh' }));
    gate.open();
    expect(await socket.waitFor(ended)).toMatchObject({ seq: 7 });
  });

  it("refuses to resume another user's or another tenant's connection", async () => {
    const { connectionId } = await midReply();
    const mallory = await open(`api_key=${kit.apiKey}&user_id=mallory`);
    mallory.session!.onText(JSON.stringify({ type: 'resume', connection_id: connectionId, last_seq: 0 }));
    expect(await mallory.socket.waitFor((message) => message['type'] === 'error')).toMatchObject({
      code: 'RESUME_FAILED',
    });

    const other = await kit.otherTenant();
    const foreign = await open(`api_key=${other.apiKey}&user_id=user123`);
    foreign.session!.onText(JSON.stringify({ type: 'resume', connection_id: connectionId, last_seq: 0 }));
    expect(await foreign.socket.waitFor((message) => message['type'] === 'error')).toMatchObject({
      code: 'RESUME_FAILED',
    });
    expect(mallory.socket.ofType('message_stream_token')).toEqual([]);
    expect(foreign.socket.ofType('message_stream_token')).toEqual([]);
  });

  it('refuses a last_seq the session never reached, and the session stays resumable', async () => {
    const { first, connectionId } = await midReply();
    first.drop();
    const second = await open();
    second.session!.onText(JSON.stringify({ type: 'resume', connection_id: connectionId, last_seq: 99 }));
    expect(await second.socket.waitFor((message) => message['type'] === 'error')).toMatchObject({
      code: 'RESUME_FAILED',
    });

    const third = await open();
    third.session!.onText(JSON.stringify({ type: 'resume', connection_id: connectionId, last_seq: 0 }));
    expect(await third.socket.waitFor((message) => message['type'] === 'resumed')).toMatchObject({
      replayed: 4,
    });
  });

  it('refuses a resume on a connection already in use', async () => {
    const { connectionId } = await midReply();
    const second = await open();
    second.session!.onText(JSON.stringify({ content: 'busy now' }));
    second.session!.onText(JSON.stringify({ type: 'resume', connection_id: connectionId, last_seq: 0 }));
    const error = await second.socket.waitFor((message) => message['type'] === 'error');
    expect(error).toMatchObject({ code: 'RESUME_FAILED' });
  });
});
