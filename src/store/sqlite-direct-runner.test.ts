import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from './database.ts';
import type { TransactionalRunner } from './query-runner.ts';
import { SqliteConnectionLock } from './sqlite-connection-lock.ts';
import { directSqliteRunner } from './sqlite-direct-runner.ts';
import { ImmediateSqliteDialect, withStatementCache } from './sqlite-dialect.ts';

describe('the direct SQLite runner', () => {
  let database: Kysely<Database>;
  let direct: TransactionalRunner;

  beforeEach(async () => {
    const connection = withStatementCache(new BetterSqlite3(':memory:'));
    const lock = new SqliteConnectionLock();
    database = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: connection }, lock) });
    direct = directSqliteRunner({ database: connection, lock });
    await sql`create table tenants (id text primary key, name text not null, limits text not null, created_at text not null)`.execute(
      database,
    );
  });
  afterEach(async () => {
    await database.destroy();
  });

  const insert = (id: string) =>
    database.insertInto('tenants').values({ id, name: id, limits: '{}', created_at: 'now' }).compile();
  const ids = async () =>
    (await direct.executeQuery(database.selectFrom('tenants').select('id').orderBy('id').compile())).rows.map(
      (row) => row.id,
    );

  it('reads and writes as Kysely would, counting the rows a write changed', async () => {
    const inserted = await direct.executeQuery(insert('a'));
    expect(inserted.numAffectedRows).toBe(1n);
    expect(await ids()).toEqual(['a']);
  });

  it('waits for a Kysely transaction in progress instead of joining it', async () => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const undone = database
      .transaction()
      .execute(async (transaction) => {
        await transaction.executeQuery(insert('undone'));
        await finished;
        throw new Error('undo');
      })
      .catch(() => 'undone');
    await new Promise((resolve) => setImmediate(resolve));
    const written = direct.executeQuery(insert('kept'));
    finish();
    expect(await undone).toBe('undone');
    await written;
    expect(await ids()).toEqual(['kept']);
  });

  it('makes Kysely wait for its own transaction in progress', async () => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const committed = direct.transaction(async (transaction) => {
      await transaction.executeQuery(insert('first'));
      await finished;
      await transaction.executeQuery(insert('second'));
    });
    // Kysely's read waits for the commit: it never sees half of the transaction.
    const seen = database.selectFrom('tenants').select('id').orderBy('id').execute();
    await new Promise((resolve) => setImmediate(resolve));
    finish();
    await committed;
    expect((await seen).map((row) => row.id)).toEqual(['first', 'second']);
  });

  it('rolls back a transaction whose work throws, and rejects with its error', async () => {
    await expect(
      direct.transaction(async (transaction) => {
        await transaction.executeQuery(insert('a'));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    await expect(direct.executeQuery(insert('a'))).resolves.toBeDefined();
    await expect(direct.executeQuery(insert('a'))).rejects.toThrow(/UNIQUE/);
    expect(await ids()).toEqual(['a']);
  });
});
