import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/create-store.ts';
import { readEvents, type SseEvent } from './sse-client.ts';

// SIGTERM on the real server process (`src/main.ts`): it stops accepting, lets running streams
// finish up to SHUTDOWN_DRAIN_MS, stores what was produced, and exits 0.

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

interface RunningServer {
  child: ChildProcess;
  baseUrl: string;
  exited: Promise<number | null>;
  /** Resolves once a log line with this `msg` has been printed. */
  logged(message: string): Promise<void>;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

function environment(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite:${join(dataDir, 'cai.db')}`,
    JWT_SECRET: 'sigterm-test-secret-0123456789-0123456789',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

async function startServer(options: {
  dataDir: string;
  environment: Record<string, string>;
}): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['node_modules/.bin/tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: environment(options.dataDir, { PORT: String(port), ...options.environment }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const messages: string[] = [];
  const waiters: Array<{ message: string; resolve: () => void }> = [];
  let pending = '';
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        messages.push(String((JSON.parse(line) as { msg?: unknown }).msg));
      } catch {
        continue;
      }
      for (const waiter of waiters.filter((candidate) => messages.includes(candidate.message))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  const logged = (message: string) =>
    messages.includes(message)
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.push({ message, resolve }));

  const started = await Promise.race([logged('cai is listening').then(() => true), exited.then(() => false)]);
  if (!started) throw new Error(`the server did not start:\n${errors}`);
  return { child, baseUrl: `http://127.0.0.1:${port}`, exited, logged };
}

function newDataDir(): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'cai-sigterm-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

async function createTenant(dataDir: string): Promise<{ tenant_id: string; api_key: string }> {
  const { stdout } = await run(
    process.execPath,
    ['bin/cai.js', 'tenant', 'create', '--name', 't', '--json'],
    {
      cwd: ROOT,
      env: environment(dataDir, {}),
    },
  );
  return JSON.parse(stdout) as { tenant_id: string; api_key: string };
}

async function storedReply(options: { dataDir: string; tenantId: string; conversationId: string }) {
  const store = await createStore({ url: `sqlite:${join(options.dataDir, 'cai.db')}` });
  try {
    const page = await store.listMessages({ tenantId: options.tenantId }, options.conversationId, {
      offset: 0,
      limit: 10,
      order: 'asc',
    });
    return page.items;
  } finally {
    await store.close();
  }
}

/** Starts a streamed /ai/chat request and waits for its first delta. */
async function startStream(server: RunningServer, apiKey: string) {
  const response = await fetch(`${server.baseUrl}/api/v1/ai/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ content: 'Tell me something while the server shuts down.', stream: true }),
  });
  expect(response.status).toBe(200);
  // Read by hand: leaving a for-await loop would close the stream.
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
  return { seen, rest, conversationId: String(seen[0]?.data['conversation_id']) };
}

/** A request on a new connection: 'refused' when the server no longer accepts connections. */
async function probe(baseUrl: string): Promise<number | 'refused'> {
  try {
    const response = await fetch(`${baseUrl}/health`, { headers: { connection: 'close' } });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 'refused';
  }
}

describe('SIGTERM', () => {
  it('lets a running stream finish, refuses new connections, stores the reply and exits 0', async () => {
    const dataDir = newDataDir();
    const tenant = await createTenant(dataDir);
    const server = await startServer({ dataDir, environment: { OFFLINE_MODEL_TOKEN_DELAY_MS: '40' } });
    const stream = await startStream(server, tenant.api_key);

    server.child.kill('SIGTERM');
    await server.logged('shutting down');
    // Until the listener is closed a request may still get in (and is answered 503); then none can.
    const answers: Array<number | 'refused'> = [];
    let streamEnded = false;
    void stream.rest.then(() => (streamEnded = true));
    while (answers.at(-1) !== 'refused') answers.push(await probe(server.baseUrl));
    expect(answers.slice(0, -1).every((answer) => answer === 503)).toBe(true);
    expect(streamEnded).toBe(false);

    const events = await stream.rest;
    const end = events.at(-1);
    expect(end?.event).toBe('end');
    expect(end?.data['finish_reason']).toBe('stop');
    const sent = events
      .filter((event) => event.event === 'delta')
      .map((event) => String(event.data['content']))
      .join('');
    expect(sent).toBe(end?.data['content']);
    expect(await server.exited).toBe(0);

    const stored = await storedReply({
      dataDir,
      tenantId: tenant.tenant_id,
      conversationId: stream.conversationId,
    });
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(stored[1]).toMatchObject({ status: 'complete', content: sent, id: end?.data['message_id'] });
  });

  it('at the drain deadline interrupts the stream, stores what was sent as interrupted, and exits 0', async () => {
    const dataDir = newDataDir();
    const tenant = await createTenant(dataDir);
    const server = await startServer({
      dataDir,
      environment: { OFFLINE_MODEL_TOKEN_DELAY_MS: '40', SHUTDOWN_DRAIN_MS: '200' },
    });
    const stream = await startStream(server, tenant.api_key);

    server.child.kill('SIGTERM');
    const events = await stream.rest;
    const end = events.at(-1);
    expect(end?.event).toBe('end');
    expect(end?.data['finish_reason']).toBe('interrupted');
    const sent = events
      .filter((event) => event.event === 'delta')
      .map((event) => String(event.data['content']))
      .join('');
    expect(sent).not.toBe('');
    expect(end?.data['content']).toBe(sent);
    expect(await server.exited).toBe(0);

    const stored = await storedReply({
      dataDir,
      tenantId: tenant.tenant_id,
      conversationId: stream.conversationId,
    });
    expect(stored[1]).toMatchObject({ role: 'assistant', status: 'interrupted', content: sent });
  });
});
