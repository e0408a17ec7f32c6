import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import type { Database } from './database.ts';
import { parseDatabaseUrl } from './database-url.ts';
import type { DatabaseTarget } from './database-url.ts';
import { KyselyStore } from './kysely-store.ts';
import { migrationProvider } from './migrations/index.ts';
import { startSqliteCheckpointer } from './sqlite-checkpointer.ts';
import { SqliteConnectionLock } from './sqlite-connection-lock.ts';
import { directSqliteRunner, type DirectSqliteRunner } from './sqlite-direct-runner.ts';
import { ImmediateSqliteDialect, withStatementCache } from './sqlite-dialect.ts';
import type { Store } from './store.ts';

export { parseDatabaseUrl } from './database-url.ts';
export type { DatabaseTarget } from './database-url.ts';

export interface CreateStoreOptions {
  /** `sqlite:PATH`, `sqlite::memory:`, or `postgres://…` (optionally `?schema=NAME`). */
  url: string;
  logger?: { info(object: object, message?: string): void; warn?(object: object, message?: string): void };
  /**
   * A SQLite file's log is copied back by a worker thread, not inside the commits of the event
   * loop (sqlite-checkpointer.ts): for a server, whose requests should not wait for it.
   */
  backgroundCheckpoints?: boolean;
}

/** How long a SQLite writer waits for the write lock before giving up. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** How often the background checkpointer copies the log back. */
const CHECKPOINT_INTERVAL_MS = 100;

interface OpenedDatabase {
  database: Kysely<Database>;
  /** Runs before the database is closed. */
  beforeClose?: () => Promise<void>;
  /** SQLite: better-sqlite3 directly, for a chat turn's queries (sqlite-direct-runner.ts). */
  sqlite?: DirectSqliteRunner;
}

// Drivers load on demand: an embedded server never loads pg, a PostgreSQL one never loads SQLite.

async function openSqlite(
  target: Extract<DatabaseTarget, { dialect: 'sqlite' }>,
  options: CreateStoreOptions,
): Promise<OpenedDatabase> {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  if (!target.memory) mkdirSync(dirname(target.path), { recursive: true });
  const connection = new BetterSqlite3(target.path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  if (!target.memory) connection.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only a power loss may lose the last commits.
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  const statements = withStatementCache(connection);
  // Kysely and the direct path share the one connection, taking turns (sqlite-connection-lock.ts).
  const lock = new SqliteConnectionLock();
  const database = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: statements }, lock),
  });
  const sqlite = directSqliteRunner({ database: statements, lock });
  if (target.memory || options.backgroundCheckpoints !== true) return { database, sqlite };
  const checkpointer = startSqliteCheckpointer({
    connection,
    databasePath: target.path,
    intervalMs: CHECKPOINT_INTERVAL_MS,
    onError: (error) =>
      options.logger?.warn?.({ err: error }, 'background checkpoints stopped; commits checkpoint again'),
  });
  return { database, sqlite, beforeClose: () => checkpointer.stop() };
}

async function openPostgres(
  target: Extract<DatabaseTarget, { dialect: 'postgres' }>,
): Promise<OpenedDatabase> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    // Unqualified names resolve to the chosen schema on every pooled connection.
    ...(target.schema === undefined ? {} : { options: `-c search_path=${target.schema}` }),
  });
  return { database: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }) };
}

async function migrationSchema(
  database: Kysely<Database>,
  target: DatabaseTarget,
): Promise<string | undefined> {
  if (target.dialect === 'sqlite') return undefined;
  if (target.schema !== undefined) return target.schema;
  // Kysely's migrator looks for its tables in every schema unless told which one: name ours,
  // so another schema's migration table in the same database is never mistaken for it.
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(database);
  return rows[0]?.schema ?? undefined;
}

async function migrate(database: Kysely<Database>, target: DatabaseTarget): Promise<string[]> {
  const migrator = new Migrator({
    db: database,
    provider: migrationProvider,
    migrationTableSchema: await migrationSchema(database, target),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) throw new Error('database migration failed', { cause: error });
  return (results ?? []).map((result) => result.migrationName);
}

/** Opens the database named by `url`, brings its schema up to date, and answers the Store. */
export async function createStore(options: CreateStoreOptions): Promise<Store> {
  const target = parseDatabaseUrl(options.url);
  const opened = target.dialect === 'sqlite' ? await openSqlite(target, options) : await openPostgres(target);
  const { database } = opened;
  try {
    if (target.dialect === 'postgres' && target.schema !== undefined) {
      await sql`create schema if not exists ${sql.id(target.schema)}`.execute(database);
    }
    const applied = await migrate(database, target);
    options.logger?.info(
      { dialect: target.dialect, ...(target.dialect === 'sqlite' ? { path: target.path } : {}), applied },
      'database ready',
    );
  } catch (error) {
    await opened.beforeClose?.();
    await database.destroy();
    throw error;
  }
  return new KyselyStore({
    database,
    dialect: target.dialect,
    ...(opened.beforeClose === undefined ? {} : { beforeClose: opened.beforeClose }),
    ...(opened.sqlite === undefined ? {} : { sqlite: opened.sqlite }),
  });
}
