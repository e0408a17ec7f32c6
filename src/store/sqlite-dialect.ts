import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, DialectAdapter, Driver, SqliteDatabase } from 'kysely';
import { SqliteConnectionLock } from './sqlite-connection-lock.ts';

// Kysely's SQLite driver opens transactions with a plain (deferred) `begin`: the write lock is
// taken at the first write, and a connection that read first and must then wait for another
// writer gets SQLITE_BUSY at once, whatever the busy timeout. `begin immediate` takes the write
// lock up front, where the busy timeout applies, so concurrent writers queue instead of failing.
// Every transaction this store opens is a write transaction.

//
// The connection is taken through a lock the store's direct path shares (sqlite-direct-runner.ts),
// so that neither runs a query inside the other's transaction.

class ImmediateSqliteDriver extends SqliteDriver {
  readonly #lock: SqliteConnectionLock;

  constructor(config: ConstructorParameters<typeof SqliteDriver>[0], lock: SqliteConnectionLock) {
    super(config);
    this.#lock = lock;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock.acquire();
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.#lock.release();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

// SQLite does run DDL inside transactions. Saying so makes Kysely's Migrator wrap the pending
// migrations in one (immediate) transaction, which is also what serialises several processes
// migrating the same file at once: Kysely's SQLite migration lock is a no-op.
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  readonly #lock: SqliteConnectionLock;

  constructor(
    config: ConstructorParameters<typeof SqliteDialect>[0],
    /** Shared with the store's direct path, when it has one. */
    lock = new SqliteConnectionLock(),
  ) {
    super(config);
    this.#config = config;
    this.#lock = lock;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#lock);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * better-sqlite3 with its prepared statements kept: Kysely's SQLite driver prepares every query
 * anew, which was the largest single cost of a chat request. The store issues a small, fixed set
 * of statements, so a bounded map by SQL text holds them all (a statement is reusable once run).
 */
export function withStatementCache(
  database: BetterSqlite3.Database,
  maxStatements = DEFAULT_MAX_STATEMENTS,
): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        // Queries with variable-length lists make new texts; past the bound, old ones are dropped.
        if (statements.size >= maxStatements) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

const DEFAULT_MAX_STATEMENTS = 256;
