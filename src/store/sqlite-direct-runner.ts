import type { CompiledQuery, QueryResult, SqliteDatabase } from 'kysely';
import type { QueryRunner, TransactionalRunner } from './query-runner.ts';
import type { SqliteConnectionLock } from './sqlite-connection-lock.ts';

// The store's hot queries on SQLite, run on better-sqlite3's (cached) statements directly. Through
// Kysely's executor each query took a connection from its provider, ran its plugins' transforms
// and settled half a dozen promises: about a fifth of the bytes a chat request allocated. The SQL
// is still the one Kysely compiled (prepared-query.ts). better-sqlite3 is synchronous, so a query
// that finds the connection free runs at once; one that does not waits for the lock it shares
// with Kysely's driver (sqlite-connection-lock.ts), as Kysely's own queries do.
//
// A chat turn's writes go further (transactionNow): the whole transaction runs synchronously,
// without a promise between its statements, each one an await and a resumed frame less.

const EMPTY_ROWS: never[] = [];

/** Runs a compiled query at once, inside a transaction its caller holds. */
export interface SyncQueryRunner {
  runQuery<Row>(query: CompiledQuery<Row>): QueryResult<Row>;
}

export interface DirectSqliteRunner extends TransactionalRunner {
  /**
   * Runs `work` in one transaction, synchronously when the connection is free (its value, or its
   * error thrown); otherwise once Kysely's transaction in progress is over (a promise of them).
   */
  transactionNow<Value>(work: (transaction: SyncQueryRunner) => Value): Value | Promise<Value>;
}

export function directSqliteRunner(options: {
  /** The connection Kysely's driver also uses, with its statement cache (sqlite-dialect.ts). */
  database: SqliteDatabase;
  lock: SqliteConnectionLock;
}): DirectSqliteRunner {
  const { database, lock } = options;

  function run<Row>(query: CompiledQuery<Row>): QueryResult<Row> {
    const statement = database.prepare(query.sql);
    if (statement.reader) return { rows: statement.all(query.parameters) as Row[] };
    const { changes } = statement.run(query.parameters);
    // A write's rows are never read: one shared empty array.
    return { rows: EMPTY_ROWS, numAffectedRows: BigInt(changes) };
  }

  /** begin, commit, rollback: no parameters, no result to build. */
  function control(sql: string): void {
    database.prepare(sql).run(EMPTY_ROWS);
  }

  /** Runs while the caller holds the lock. */
  function runHeld<Row>(query: CompiledQuery<Row>): Promise<QueryResult<Row>> {
    try {
      return Promise.resolve(run(query));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  function runLocked<Row>(query: CompiledQuery<Row>): QueryResult<Row> {
    try {
      return run(query);
    } finally {
      lock.release();
    }
  }

  /** Inside a transaction this runner opened: the lock is already held. */
  const insideTransaction: QueryRunner = { executeQuery: runHeld };
  const insideTransactionNow: SyncQueryRunner = { runQuery: run };

  /** transactionNow's transaction, the lock taken; releases it. */
  function transactHeld<Value>(work: (transaction: SyncQueryRunner) => Value): Value {
    try {
      control('begin immediate');
      try {
        const value = work(insideTransactionNow);
        control('commit');
        return value;
      } catch (error) {
        rollbackQuietly();
        throw error;
      }
    } finally {
      lock.release();
    }
  }

  /** As Kysely does on failure: undo, and let the error that undid it be reported. */
  function rollbackQuietly(): void {
    try {
      control('rollback');
    } catch {
      // SQLite may have rolled back already (it does on some errors).
    }
  }

  return {
    executeQuery<Row>(query: CompiledQuery<Row>): Promise<QueryResult<Row>> {
      if (!lock.tryAcquire()) return lock.acquire().then(() => runLocked(query));
      try {
        return Promise.resolve(runLocked(query));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },

    async transaction(work) {
      if (!lock.tryAcquire()) await lock.acquire();
      try {
        control('begin immediate');
        try {
          const value = await work(insideTransaction);
          control('commit');
          return value;
        } catch (error) {
          rollbackQuietly();
          throw error;
        }
      } finally {
        lock.release();
      }
    },

    transactionNow(work) {
      if (!lock.tryAcquire()) return lock.acquire().then(() => transactHeld(work));
      return transactHeld(work);
    },
  };
}
