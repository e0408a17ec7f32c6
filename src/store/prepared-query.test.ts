import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from './database.ts';
import { prepareQuery } from './prepared-query.ts';
import { ImmediateSqliteDialect } from './sqlite-dialect.ts';

describe('a prepared query', () => {
  let database: Kysely<Database>;

  beforeEach(async () => {
    database = new Kysely<Database>({
      dialect: new ImmediateSqliteDialect({ database: new BetterSqlite3(':memory:') }),
    });
    await sql`create table tenants (id text primary key, name text not null, limits text not null, created_at text not null)`.execute(
      database,
    );
  });
  afterEach(async () => {
    await database.destroy();
  });

  it('compiles once and runs with each call’s values in place of its placeholders', async () => {
    const insert = prepareQuery<{ id: string; name: string }, unknown>((placeholder) =>
      database.insertInto('tenants').values({
        id: placeholder('id'),
        name: placeholder('name'),
        limits: '{}',
        created_at: placeholder('id'),
      }),
    );
    await insert.execute(database, { id: 'a', name: 'Acme' });
    await insert.execute(database, { id: 'b', name: 'Bolt' });
    const rows = await database.selectFrom('tenants').selectAll().orderBy('id').execute();
    // A constant stays as written; a placeholder used twice takes its value twice.
    expect(rows).toEqual([
      { id: 'a', name: 'Acme', limits: '{}', created_at: 'a' },
      { id: 'b', name: 'Bolt', limits: '{}', created_at: 'b' },
    ]);
  });

  it('runs inside a transaction like any query', async () => {
    const byName = prepareQuery<{ name: string }, { id: string }>((placeholder) =>
      database.selectFrom('tenants').select('id').where('name', '=', placeholder('name')),
    );
    const found = await database.transaction().execute(async (transaction) => {
      await transaction
        .insertInto('tenants')
        .values({ id: 'c', name: 'Core', limits: '{}', created_at: 'x' })
        .execute();
      return byName.execute(transaction, { name: 'Core' });
    });
    expect(found.rows).toEqual([{ id: 'c' }]);
  });

  it('refuses a placeholder that did not become a bound parameter', () => {
    expect(() =>
      prepareQuery<{ name: string; unused: string }, unknown>((placeholder) => {
        placeholder('unused');
        return database.selectFrom('tenants').selectAll().where('name', '=', placeholder('name'));
      }),
    ).toThrow(/Placeholder unused did not become a bound parameter/);
  });
});
