import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

// In WAL mode SQLite copies the log back into the database file (a checkpoint) once the log holds
// 1,000 pages, inside the commit that crossed the mark: thousands of page writes and two fsyncs on
// the event loop, every few dozen chat turns, which were the slowest 1% of requests. Here the
// server's connection checkpoints only past a far larger mark, and a worker thread with a
// connection of its own runs a passive checkpoint every `intervalMs`: it never blocks the writer,
// and its writes and fsyncs happen off the event loop. If the worker falls behind or fails, the
// connection's own checkpoint at the larger mark keeps the log bounded.

/** The server connection's own checkpoint mark, in pages (4 KiB each): the backstop. */
export const BACKSTOP_CHECKPOINT_PAGES = 10_000;

export interface SqliteCheckpointer {
  /** Stops the worker and closes its connection; the server's connection closes after it. */
  stop(): Promise<void>;
}

// Plain JavaScript, run as the worker's whole program (`eval`): nothing of cai is loaded into it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const database = new Database(workerData.databasePath);
// Another checkpoint running (the backstop) is no error: the next interval tries again.
const checkpoint = () => {
  try {
    database.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    if (error && error.code !== 'SQLITE_BUSY' && error.code !== 'SQLITE_LOCKED') throw error;
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  checkpoint();
  database.close();
  parentPort.close();
});
`;

export function startSqliteCheckpointer(options: {
  connection: BetterSqlite3.Database;
  databasePath: string;
  intervalMs: number;
  onError: (error: unknown) => void;
}): SqliteCheckpointer {
  options.connection.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
      databasePath: options.databasePath,
      intervalMs: options.intervalMs,
    },
    // It needs next to no heap: keep V8 from sizing one for a server.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
  });
  worker.unref();
  worker.on('error', options.onError);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        worker.postMessage('stop');
        const timeout = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
        await exited;
        clearTimeout(timeout);
      })();
      return stopping;
    },
  };
}

const STOP_GRACE_MS = 5_000;
