import type { QueryRunner, TransactionalRunner } from './query-runner.ts';
import type { DirectSqliteRunner, SyncQueryRunner } from './sqlite-direct-runner.ts';

// How the store runs the writes of every chat turn (a new conversation with its first message, a
// message appended): each in a transaction of its own, or, on SQLite, together with the others
// that arrived in the same turn of the event loop. SQLite has one connection, so transactions run
// one after the other anyway; sharing one costs nobody a wait and saves a commit per write: under
// load, one log write and one round of file locks carry many turns, and their rows share pages.

/** A write's result, or why it was refused before it wrote anything (its company is unaffected). */
export type WriteOutcome<Value> = { value: Value } | { refusal: unknown };

/**
 * One write, run inside a transaction it shares or not. It must not throw after writing what it
 * refuses: a thrown error undoes the whole shared transaction, and each write then runs alone.
 */
export type TransactionalWrite<Value> = (transaction: QueryRunner) => Promise<WriteOutcome<Value>>;

export interface WriteQueue {
  /** Resolves once the write's transaction has committed; rejects with its refusal or failure. */
  run<Value>(write: TransactionalWrite<Value>): Promise<Value>;
}

function settled<Value>(outcome: WriteOutcome<Value>): Value {
  if ('refusal' in outcome) throw outcome.refusal;
  return outcome.value;
}

/** PostgreSQL: each write in a transaction of its own (each takes its own pooled connection). */
export function separateTransactions(database: TransactionalRunner): WriteQueue {
  return {
    async run(write) {
      return settled(await database.transaction(write));
    },
  };
}

/** A write on SQLite's direct path: its statements run at once, inside the shared transaction. */
export type WriteNow<Value> = (transaction: SyncQueryRunner) => WriteOutcome<Value>;

export interface WriteNowQueue {
  /** Resolves once the write's transaction has committed; rejects with its refusal or failure. */
  run<Value>(write: WriteNow<Value>): Promise<Value>;
}

interface Queued {
  write: WriteNow<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

function settle(entry: Queued, outcome: WriteOutcome<unknown>): void {
  if ('refusal' in outcome) entry.reject(outcome.refusal);
  else entry.resolve(outcome.value);
}

/**
 * SQLite: writes queued while the event loop handles this round of I/O are committed together,
 * right after it (setImmediate). One write alone gets a transaction of its own, as it would have.
 * Each transaction runs synchronously (transactionNow): at concurrency 1 every write is alone,
 * and each layer of promises around it was garbage on every request.
 */
export function batchedWritesNow(database: DirectSqliteRunner): WriteNowQueue {
  let queued: Queued[] = [];

  function runAlone(entry: Queued): void {
    let outcome: WriteOutcome<unknown> | Promise<WriteOutcome<unknown>>;
    try {
      outcome = database.transactionNow(entry.write);
    } catch (error) {
      entry.reject(error);
      return;
    }
    if (outcome instanceof Promise) outcome.then((settled) => settle(entry, settled), entry.reject);
    else settle(entry, outcome);
  }

  function settleTogether(batch: Queued[], outcomes: Array<WriteOutcome<unknown>>): void {
    batch.forEach((entry, index) => settle(entry, outcomes[index]!));
  }

  // One of them failed after writing (a taken id, say), so none of them was kept: each runs
  // again on its own, and only the failing one fails.
  function runEachAlone(batch: Queued[]): void {
    for (const entry of batch) runAlone(entry);
  }

  function runTogether(batch: Queued[]): void {
    let outcomes: Array<WriteOutcome<unknown>> | Promise<Array<WriteOutcome<unknown>>>;
    try {
      outcomes = database.transactionNow((transaction) => batch.map((entry) => entry.write(transaction)));
    } catch {
      runEachAlone(batch);
      return;
    }
    if (outcomes instanceof Promise) {
      outcomes.then(
        (settled) => settleTogether(batch, settled),
        () => runEachAlone(batch),
      );
    } else settleTogether(batch, outcomes);
  }

  function flush(): void {
    const batch = queued;
    queued = [];
    if (batch.length === 1) runAlone(batch[0]!);
    else runTogether(batch);
  }

  return {
    run<Value>(write: WriteNow<Value>): Promise<Value> {
      return new Promise<Value>((resolve, reject) => {
        if (queued.length === 0) setImmediate(flush);
        queued.push({ write, resolve: resolve as (value: unknown) => void, reject });
      });
    },
  };
}
