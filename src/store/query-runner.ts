import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './database.ts';

// What the store's prepared queries (prepared-query.ts) run on: Kysely's executor (PostgreSQL, and
// whatever the store builds per call) or, on SQLite, better-sqlite3 directly
// (sqlite-direct-runner.ts), which skips the executor's promises and connection bookkeeping.

/** Runs a compiled query: a Kysely instance, one of its transactions, or the direct SQLite path. */
export interface QueryRunner {
  executeQuery<Row>(query: CompiledQuery<Row>): Promise<QueryResult<Row>>;
}

/** A QueryRunner that also runs work in a transaction, committed when the work resolves. */
export interface TransactionalRunner extends QueryRunner {
  transaction<Value>(work: (transaction: QueryRunner) => Promise<Value>): Promise<Value>;
}

/** Kysely's executor, as a TransactionalRunner. */
export function kyselyRunner(database: Kysely<Database>): TransactionalRunner {
  return {
    executeQuery: (query) => database.executeQuery(query),
    transaction: (work) => database.transaction().execute(work),
  };
}
