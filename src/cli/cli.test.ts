import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../auth/authenticator.ts';
import { kindOf } from '../auth/credentials.ts';
import { resolveJwtSecret } from '../auth/jwt-secret.ts';
import { verifyJwt } from '../auth/jwt.ts';
import { AppError } from '../core/errors.ts';
import { createStore } from '../store/create-store.ts';

// The real `cai` binary in real processes, on a SQLite file the test then opens itself.

const binary = resolve(fileURLToPath(import.meta.url), '../../../bin/cai.js');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the cai command', () => {
  let directory: string;
  let environment: NodeJS.ProcessEnv;

  function cai(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Outcome> {
    return new Promise((done) => {
      // Run from the temporary directory, so no `.env` of the repository applies.
      execFile(
        'node',
        [binary, ...args],
        { cwd: directory, env: { ...environment, ...extra } },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
          done({ code, stdout, stderr });
        },
      );
    });
  }

  async function authenticates(value: string): Promise<string> {
    const store = await createStore({ url: `sqlite:${join(directory, 'cai.db')}` });
    try {
      const secret = await resolveJwtSecret({ DATA_DIR: directory });
      const authenticator = createAuthenticator({ store, jwt: { secret, issuer: 'cai', audience: 'cai' } });
      const principal = await authenticator.authenticate({
        kind: kindOf(value),
        value,
        source: 'x-api-key-header',
      });
      return principal.tenantId;
    } catch (error) {
      return error instanceof AppError ? error.code : String(error);
    } finally {
      await store.close();
    }
  }

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'cai-cli-'));
    environment = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !/^(LIMIT_|JWT_|DATABASE_URL|DATA_DIR|ADMIN_API_KEY)/.test(name),
      ),
    );
    Object.assign(environment, { DATABASE_URL: `sqlite:${join(directory, 'cai.db')}`, DATA_DIR: directory });
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('creates a tenant and keys that authenticate until revoked, and tokens that verify', async () => {
    const tenant = await cai(['tenant', 'create', '--name', 'Acme', '--json']);
    expect(tenant.stderr).toBe('');
    expect(tenant.code).toBe(0);
    const created = JSON.parse(tenant.stdout) as Record<string, string>;
    expect(Object.keys(created)).toEqual(['tenant_id', 'name', 'api_key']);
    expect(created.name).toBe('Acme');
    const tenantId = created.tenant_id!;
    expect(await authenticates(created.api_key!)).toBe(tenantId);

    const key = await cai(['key', 'create', '--tenant', tenantId, '--json']);
    expect(key.code).toBe(0);
    const createdKey = JSON.parse(key.stdout) as Record<string, string>;
    expect(Object.keys(createdKey)).toEqual(['key_id', 'api_key']);
    expect(await authenticates(createdKey.api_key!)).toBe(tenantId);

    const revoke = await cai(['key', 'revoke', createdKey.key_id!]);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toContain(createdKey.key_id);
    expect(await authenticates(createdKey.api_key!)).toBe('AUTH_FAILED');
    expect(await authenticates(created.api_key!)).toBe(tenantId);

    const token = await cai(['token', '--tenant', tenantId, '--user', 'alice', '--ttl', '120']);
    expect(token.code).toBe(0);
    // The JWT alone, so TOKEN=$(npx cai token …) works.
    expect(token.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const secret = await resolveJwtSecret({ DATA_DIR: directory });
    const claims = await verifyJwt({ secret, issuer: 'cai', audience: 'cai' }, token.stdout.trim());
    expect(claims).toMatchObject({ tenantId, userId: 'alice' });
    expect(claims.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(120_000);
    expect(await authenticates(token.stdout.trim())).toBe(tenantId);
  }, 240_000);

  it('shows the key once, with a warning, without --json', async () => {
    const tenant = await cai(['tenant', 'create', '--name', 'Plain']);
    expect(tenant.code).toBe(0);
    const key = /cai_[a-z2-9]{12}_[\w-]{43}/.exec(tenant.stdout)?.[0];
    expect(key).toBeDefined();
    expect(tenant.stdout).toMatch(/shown this once/);
    expect(await authenticates(key!)).not.toBe('AUTH_FAILED');
  }, 180_000);

  it("sets and shows a tenant's limits, overrides marked", async () => {
    const tenant = JSON.parse((await cai(['tenant', 'create', '--name', 'Limited', '--json'])).stdout);
    const set = await cai(
      [
        'tenant',
        'limits',
        tenant.tenant_id,
        '--set',
        'LIMIT_REST_PER_MINUTE=5',
        'LIMIT_AI_REQUESTS_PER_WEEK=0',
      ],
      { LIMIT_WS_MESSAGES_PER_SECOND: '7' },
    );
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/LIMIT_REST_PER_MINUTE\s+5\s+tenant override; default 100/);
    expect(set.stdout).toMatch(/LIMIT_AI_REQUESTS_PER_WEEK\s+0 \(no limit\)\s+tenant override/);
    expect(set.stdout).toMatch(/LIMIT_WS_MESSAGES_PER_SECOND\s+7\s+default/);

    const shown = await cai(['tenant', 'limits', tenant.tenant_id, '--json']);
    expect(shown.code).toBe(0);
    const limits = JSON.parse(shown.stdout);
    expect(limits.limits.LIMIT_REST_PER_MINUTE).toEqual({ value: 5, default: 100, overridden: true });
    expect(limits.limits.LIMIT_CONNECTIONS_PER_TENANT).toEqual({ value: 50, default: 50, overridden: false });
  }, 180_000);

  it('exits non-zero with a one-line message on bad input', async () => {
    const outcomes = await Promise.all([
      cai(['key', 'create', '--tenant', 'no-such-tenant']),
      cai(['key', 'revoke', 'no-such-key']),
      cai(['tenant', 'create']),
      cai(['tenant', 'limits', 'no-such-tenant', '--set', 'LIMIT_NOTHING=3']),
      cai(['token', '--tenant', 'no-such-tenant', '--user', 'alice', '--ttl', 'soon']),
      cai(['tenant', 'create', '--name', 'Acme'], { DATABASE_URL: 'mysql://nope' }),
    ]);
    for (const outcome of outcomes) {
      expect(outcome.code).not.toBe(0);
      expect(outcome.stdout).toBe('');
      expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
    }
    const [unknownTenant, unknownKey, missingName, unknownLimit, badTtl, badConfig] = outcomes.map(
      (outcome) => outcome.stderr,
    );
    expect(unknownTenant).toMatch(/No tenant no-such-tenant/);
    expect(unknownKey).toMatch(/No API key no-such-key/);
    expect(missingName).toMatch(/--name/);
    expect(unknownLimit).toMatch(/unknown limit LIMIT_NOTHING/);
    expect(badTtl).toMatch(/--ttl/);
    expect(badConfig).toMatch(/invalid configuration: DATABASE_URL/);
  }, 180_000);
});
