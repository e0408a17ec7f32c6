import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Logger } from '../../src/logger.ts';

// A real cai server on a free loopback port, on a fresh SQLite file (or the given DATABASE_URL),
// for integration tests over real HTTP.

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789-0123456789';

export interface TestApp {
  app: App;
  baseUrl: string;
  dataDir: string;
  /** Makes a tenant through the admin API: its id and a fresh key. */
  createTenant(name?: string): Promise<{ tenantId: string; apiKey: string }>;
  request(path: string, init?: RequestInit & { json?: unknown; key?: string }): Promise<Response>;
  /** Closes the store under the running server (storage gone); close() then leaves it closed. */
  closeStorage(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestApp(
  environment: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cai-test-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite:${join(dataDir, 'cai.db')}`,
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    OFFLINE_MODEL_TOKEN_DELAY_MS: '0',
    MODEL_RETRY_BASE_DELAY_MS: '1',
    ...environment,
  });
  const app = await buildApp({ config, ...(options.logger ? { logger: options.logger } : {}) });
  const baseUrl = await app.listen();

  async function request(path: string, init: RequestInit & { json?: unknown; key?: string } = {}) {
    const headers = new Headers(init.headers);
    if (init.key !== undefined) headers.set('authorization', `Bearer ${init.key}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(`${baseUrl}${path}`, { ...init, headers, body: body ?? null });
  }

  let storageClosed = false;

  return {
    app,
    baseUrl,
    dataDir,
    request,
    async closeStorage() {
      storageClosed = true;
      await app.store.close();
    },
    async createTenant(name = 'tenant') {
      const response = await request('/api/v1/admin/tenants', {
        method: 'POST',
        key: TEST_ADMIN_KEY,
        json: { name },
      });
      if (response.status !== 201)
        throw new Error(`tenant create failed: ${response.status} ${await response.text()}`);
      const created = (await response.json()) as { tenant_id: string; api_key: string };
      return { tenantId: created.tenant_id, apiKey: created.api_key };
    },
    async close() {
      // app.shutdown() closes the store too; with the store already gone, only the server is left.
      if (storageClosed) await app.server.close();
      else await app.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
