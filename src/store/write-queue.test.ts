import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from './database.ts';
import { kyselyRunner, type TransactionalRunner } from './query-runner.ts';
import { SqliteConnectionLock } from './sqlite-connection-lock.ts';
import { directSqliteRunner } from './sqlite-direct-runner.ts';
import { ImmediateSqliteDialect, withStatementCache } from './sqlite-dialect.ts';
import { batchedTransactions, separateTransactions, type TransactionalWrite } from './write-queue.ts';

// Both ways the store reaches a database: Kysely's executor, and better-sqlite3 directly.
describe.each(['kysely', 'direct'] as const)('the write queue, through %s', (path) => {
  let database: Kysely<Database>;
  let runner: TransactionalRunner;
  let statements: string[];

  beforeEach(async () => {
    statements = [];
    const connection = withStatementCache(new BetterSqlite3(':memory:'));
    // Every statement either path runs is prepared first: recorded there.
    const recording = {
      close: () => connection.close(),
      prepare: (sql: string) => {
        statements.push(sql);
        return connection.prepare(sql);
      },
    };
    const lock = new SqliteConnectionLock();
    database = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: recording }, lock) });
    runner = path === 'kysely' ? kyselyRunner(database) : directSqliteRunner({ database: recording, lock });
    await sql`create table tenants (id text primary key, name text not null, limits text not null, created_at text not null)`.execute(
      database,
    );
    statements = [];
  });
  afterEach(async () => {
    await database.destroy();
  });

  /** Inserts a tenant; refuses (before writing) a name of "refuse". */
  const insert =
    (id: string, name = id): TransactionalWrite<string> =>
    async (transaction) => {
      if (name === 'refuse') return { refusal: new Error(`refused ${id}`) };
      await transaction.executeQuery(
        database.insertInto('tenants').values({ id, name, limits: '{}', created_at: 'now' }).compile(),
      );
      return { value: id };
    };
  const stored = async () =>
    (await database.selectFrom('tenants').select('id').orderBy('id').execute()).map((row) => row.id);
  const begins = () => statements.filter((statement) => statement === 'begin immediate').length;

  it('commits the writes of one turn of the event loop in one transaction', async () => {
    const queue = batchedTransactions(runner);
    const values = await Promise.all(['a', 'b', 'c', 'd'].map((id) => queue.run(insert(id))));
    expect(values).toEqual(['a', 'b', 'c', 'd']);
    expect(begins()).toBe(1);
    expect(await stored()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('gives a write alone a transaction of its own, and later writes another one', async () => {
    const queue = batchedTransactions(runner);
    await queue.run(insert('a'));
    await queue.run(insert('b'));
    expect(begins()).toBe(2);
  });

  it('rejects a refused write alone, committing its company', async () => {
    const queue = batchedTransactions(runner);
    const outcomes = await Promise.allSettled([
      queue.run(insert('a')),
      queue.run(insert('b', 'refuse')),
      queue.run(insert('c')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await stored()).toEqual(['a', 'c']);
  });

  it('runs each write again alone when one fails after writing, and only that one fails', async () => {
    await database
      .insertInto('tenants')
      .values({ id: 'taken', name: 'x', limits: '{}', created_at: 'x' })
      .execute();
    statements = [];
    const queue = batchedTransactions(runner);
    const outcomes = await Promise.allSettled([
      queue.run(insert('a')),
      queue.run(insert('taken')),
      queue.run(insert('c')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await stored()).toEqual(['a', 'c', 'taken']);
    // The shared attempt, then one each.
    expect(begins()).toBe(4);
  });

  it('without batching, gives every write its own transaction', async () => {
    const queue = separateTransactions(runner);
    await Promise.all(['a', 'b', 'c'].map((id) => queue.run(insert(id))));
    expect(begins()).toBe(3);
    expect(await stored()).toEqual(['a', 'b', 'c']);
  });
});
