// The SQL statements one non-streaming request runs, per endpoint: cai built in this process on a
// fresh SQLite file, the benchmark's upstream (in its own process) answering at once, every
// better-sqlite3 statement counted and named. Shows what each request asks of the database.
//
//   npx tsx bench/probes/request-statements.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { startUpstreamProcess } from '../lib/upstream-process.ts';

const REQUESTS = 20;
const ADMIN_KEY = 'probe-admin-key-0123456789';

// Every statement runs through one of these; counting them here sees what Kysely's driver runs.
const executed: string[] = [];
const scratch = new BetterSqlite3(':memory:');
const statementPrototype = Object.getPrototypeOf(scratch.prepare('select 1')) as Record<
  string,
  (...values: unknown[]) => unknown
>;
scratch.close();
for (const method of ['run', 'get', 'all', 'iterate'] as const) {
  const original = statementPrototype[method]!;
  statementPrototype[method] = function (this: { source: string }, ...values: unknown[]) {
    executed.push(this.source);
    return original.apply(this, values);
  };
}

const upstream = await startUpstreamProcess({ chunks: ['w0 ', 'w1 '], paceMs: 20 });
const dataDir = mkdtempSync(join(tmpdir(), 'cai-probe-'));
const app = await buildApp({
  config: loadConfig({
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite:${join(dataDir, 'cai.db')}`,
    ADMIN_API_KEY: ADMIN_KEY,
    JWT_SECRET: 'probe-jwt-secret-0123456789-0123456789',
    OPENAI_API_KEY: 'x',
    OPENAI_BASE_URL: upstream.baseUrl,
    DEFAULT_MODEL: 'openai:bench',
    MODEL_MAX_RETRIES: '0',
  }),
});

async function post(url: string, payload: unknown, key: string): Promise<Record<string, unknown>> {
  const response = await app.server.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${key}` },
    payload: payload as Record<string, unknown>,
  });
  if (response.statusCode >= 300) throw new Error(`${url}: HTTP ${response.statusCode} ${response.body}`);
  return response.json();
}

const shorten = (source: string) => source.replace(/\s+/g, ' ').slice(0, 110);

try {
  const tenant = await post('/api/v1/admin/tenants', { name: 'probe' }, ADMIN_KEY);
  const apiKey = String(tenant.api_key);
  const endpoints = [
    {
      url: '/v1/chat/completions',
      body: { model: 'openai:bench', messages: [{ role: 'user', content: 'Probe request.' }] },
    },
    { url: '/api/v1/ai/chat', body: { content: 'Probe request.' } },
  ];
  for (const endpoint of endpoints) {
    await post(endpoint.url, endpoint.body, apiKey);
    executed.length = 0;
    for (let index = 0; index < REQUESTS; index += 1) await post(endpoint.url, endpoint.body, apiKey);
    // Give a reply stored after its answer was sent the time to be counted.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const counts = new Map<string, number>();
    for (const source of executed) counts.set(shorten(source), (counts.get(shorten(source)) ?? 0) + 1);
    console.log(`POST ${endpoint.url}: ${(executed.length / REQUESTS).toFixed(1)} statements per request`);
    for (const [source, count] of counts)
      console.log(`  ${(count / REQUESTS).toFixed(1).padStart(4)}  ${source}`);
  }
} finally {
  await app.shutdown();
  await upstream.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
