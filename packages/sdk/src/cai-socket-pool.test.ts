import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineReply } from '../../../src/models/offline-chat-model.ts';
import { startTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { CaiSocket } from './cai-socket.ts';
import { CaiSocketPool } from './cai-socket-pool.ts';

const expectedReply = (prompt: string) => offlineReply([{ role: 'user', content: prompt }]);

describe('CaiSocketPool against a real cai server', () => {
  let server: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  const pools: CaiSocketPool[] = [];

  beforeAll(async () => {
    server = await startTestApp({ OFFLINE_MODEL_TOKEN_DELAY_MS: '5' });
    tenant = await server.createTenant('sdk-pool');
  });
  afterAll(async () => {
    for (const pool of pools) pool.close();
    await server.close();
  });

  const makePool = (size: number, made: CaiSocket[] = []) => {
    const pool = new CaiSocketPool({
      url: server.baseUrl,
      apiKey: tenant.apiKey,
      orgId: tenant.tenantId,
      size,
      createSocket: (options) => {
        const socket = new CaiSocket(options);
        made.push(socket);
        return socket;
      },
    });
    pools.push(pool);
    return pool;
  };

  it('spreads concurrent completions over its sockets, least busy first', async () => {
    const made: CaiSocket[] = [];
    const pool = makePool(2, made);
    await pool.start();
    expect(pool.sockets).toHaveLength(2);
    const prompts = ['one', 'two', 'three', 'four'];
    const completions = prompts.map((prompt) => pool.complete(prompt));
    expect(made.map((socket) => socket.inFlight)).toEqual([2, 2]);
    expect(await Promise.all(completions.map((completion) => completion.text))).toEqual(
      prompts.map(expectedReply),
    );
    expect(pool.inFlight).toBe(0);
    expect(made).toHaveLength(2);
  });

  it('replaces a socket that closed for good', async () => {
    const made: CaiSocket[] = [];
    const pool = makePool(1, made);
    await pool.start();
    made[0]!.close();
    expect(pool.sockets).toHaveLength(0);
    expect(await pool.complete('still here').text).toBe(expectedReply('still here'));
    expect(made).toHaveLength(2);
    expect(made[1]!.state).toBe('open');
  });

  it('rejects start() when its credentials are refused', async () => {
    const pool = new CaiSocketPool({
      url: server.baseUrl,
      apiKey: 'cai_bad_key_0000000000000000',
      orgId: tenant.tenantId,
      size: 2,
    });
    pools.push(pool);
    await expect(pool.start()).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});
