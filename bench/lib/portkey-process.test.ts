import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPacedUpstream, type PacedUpstream } from '../upstream/paced-upstream.ts';
import { startPortkey, type PortkeyProcess } from './portkey-process.ts';

// The peer gateway as the benchmark runs it: Portkey's own start script, on 127.0.0.1 only,
// forwarding to the benchmark's upstream named in the request's headers.

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startPortkey', () => {
  let upstream: PacedUpstream;
  let portkey: PortkeyProcess;

  beforeAll(async () => {
    upstream = await startPacedUpstream({ chunks: ['one ', 'two. '], paceMs: 1 });
    portkey = await startPortkey({ upstreamBaseUrl: `http://127.0.0.1:${upstream.port}/v1` });
  });

  afterAll(async () => {
    await portkey?.stop();
    await upstream?.close();
  });

  it('forwards a chat completion to the upstream and answers its reply', async () => {
    const response = await fetch(`http://127.0.0.1:${portkey.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...portkey.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(response.status).toBe(200);
    const completion = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    const direct = (await (
      await fetch(`http://127.0.0.1:${upstream.port}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'bench', messages: [] }),
      })
    ).json()) as { choices: Array<{ message: { content: string } }> };
    expect(completion.choices[0]?.message.content).toMatch(/^one two\. one/);
    expect(completion.choices[0]?.message.content).toBe(direct.choices[0]?.message.content);
  });

  it('listens on 127.0.0.1 only, not on every interface', async () => {
    expect(await accepts('127.0.0.1', portkey.port)).toBe(true);
    // Every 127/8 address reaches loopback: a wildcard listener would accept this one too.
    expect(await accepts('127.0.0.2', portkey.port)).toBe(false);
  });
});
