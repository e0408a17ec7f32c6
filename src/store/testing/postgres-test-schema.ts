import { randomBytes } from 'node:crypto';
import pg from 'pg';

// Tests that need PostgreSQL: a fresh schema per test file (files run in parallel on one
// database), required under CI=true, skipped with a printed reason elsewhere.

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type PostgresProbe = { available: true } | { available: false; reason: string };

/** Whether the test database answers. Outside CI an absent PostgreSQL is a reason to skip. */
export async function probePostgres(url: string = TEST_POSTGRES_URL): Promise<PostgresProbe> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return { available: true };
  } catch (error) {
    return { available: false, reason: `PostgreSQL at ${url} is unreachable: ${(error as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** True when the tests must run: PostgreSQL answers, or CI demands it (and the tests then fail). */
export function mustRunPostgresTests(probe: PostgresProbe): boolean {
  if (probe.available) return true;
  if (process.env.CI === 'true') return true;
  console.warn(`skipping PostgreSQL tests: ${probe.reason} (set CI=true to make this a failure)`);
  return false;
}

export interface TestSchema {
  /** A DATABASE_URL whose tables live in the fresh schema. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

export function testSchema(prefix: string, url: string = TEST_POSTGRES_URL): TestSchema {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const target = new URL(url);
  target.searchParams.set('schema', name);
  return {
    url: target.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${name}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
