import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from './database.ts';
import { kyselyRunner } from './query-runner.ts';
import { SqliteConnectionLock } from './sqlite-connection-lock.ts';
import { directSqliteRunner, type DirectSqliteRunner } from './sqlite-direct-runner.ts';
import { ImmediateSqliteDialect, withStatementCache } from './sqlite-dialect.ts';
import {
  batchedWritesNow,
  separateTransactions,
  type TransactionalWrite,
  type WriteNow,
} from './write-queue.ts';

describe('the write queue', () => {
  let database: Kysely<Database>;
  let direct: DirectSqliteRunner;
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
    direct = directSqliteRunner({ database: recording, lock });
    await sql`create table tenants (id text primary key, name text not null, limits text not null, created_at text not null)`.execute(
      database,
    );
    statements = [];
  });
  afterEach(async () => {
    await database.destroy();
  });

  const insertQuery = (id: string, name: string) =>
    database.insertInto('tenants').values({ id, name, limits: '{}', created_at: 'now' }).compile();
  /** Inserts a tenant at once; refuses (before writing) a name of "refuse". */
  const insertNow =
    (id: string, name = id): WriteNow<string> =>
    (transaction) => {
      if (name === 'refuse') return { refusal: new Error(`refused ${id}`) };
      transaction.runQuery(insertQuery(id, name));
      return { value: id };
    };
  /** The same, awaiting each statement (PostgreSQL's way). */
  const insert =
    (id: string): TransactionalWrite<string> =>
    async (transaction) => {
      await transaction.executeQuery(insertQuery(id, id));
      return { value: id };
    };
  const stored = async () =>
    (await database.selectFrom('tenants').select('id').orderBy('id').execute()).map((row) => row.id);
  const begins = () => statements.filter((statement) => statement === 'begin immediate').length;

  describe('on SQLite, at once', () => {
    it('commits the writes of one turn of the event loop in one transaction', async () => {
      const queue = batchedWritesNow(direct);
      const values = await Promise.all(['a', 'b', 'c', 'd'].map((id) => queue.run(insertNow(id))));
      expect(values).toEqual(['a', 'b', 'c', 'd']);
      expect(begins()).toBe(1);
      expect(await stored()).toEqual(['a', 'b', 'c', 'd']);
    });

    it('gives a write alone a transaction of its own, and later writes another one', async () => {
      const queue = batchedWritesNow(direct);
      await queue.run(insertNow('a'));
      await queue.run(insertNow('b'));
      expect(begins()).toBe(2);
    });

    it('rejects a refused write alone, committing its company', async () => {
      const queue = batchedWritesNow(direct);
      const outcomes = await Promise.allSettled([
        queue.run(insertNow('a')),
        queue.run(insertNow('b', 'refuse')),
        queue.run(insertNow('c')),
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
      const queue = batchedWritesNow(direct);
      const outcomes = await Promise.allSettled([
        queue.run(insertNow('a')),
        queue.run(insertNow('taken')),
        queue.run(insertNow('c')),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await stored()).toEqual(['a', 'c', 'taken']);
      // The shared attempt, then one each.
      expect(begins()).toBe(4);
    });

    it('waits for a Kysely transaction in progress, then commits its writes', async () => {
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const kyselyTransaction = database.transaction().execute(async (transaction) => {
        await transaction.executeQuery(insertQuery('first', 'first'));
        await finished;
      });
      await new Promise((resolve) => setImmediate(resolve));
      const queue = batchedWritesNow(direct);
      const written = Promise.all([queue.run(insertNow('b')), queue.run(insertNow('c'))]);
      await new Promise((resolve) => setImmediate(resolve));
      finish();
      await kyselyTransaction;
      expect(await written).toEqual(['b', 'c']);
      expect(await stored()).toEqual(['b', 'c', 'first']);
    });
  });

  describe.each([
    ['Kysely', () => kyselyRunner(database)],
    ['the direct path', () => direct],
  ] as const)('each in its own transaction, through %s', (_name, runner) => {
    it('gives every write its own transaction', async () => {
      const queue = separateTransactions(runner());
      await Promise.all(['a', 'b', 'c'].map((id) => queue.run(insert(id))));
      expect(begins()).toBe(3);
      expect(await stored()).toEqual(['a', 'b', 'c']);
    });
  });
});
