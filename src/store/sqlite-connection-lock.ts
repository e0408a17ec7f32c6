// SQLite has one connection, and a transaction on it spans awaits: whatever else runs on that
// connection meanwhile joins the transaction (and a second `begin` fails). Kysely's driver and the
// store's direct path to better-sqlite3 (sqlite-direct-runner.ts) therefore take turns through
// this one lock. Taking it when it is free is synchronous, so the direct path's queries run at
// once, without the promises and timers a wait would cost.

export class SqliteConnectionLock {
  #held = false;
  readonly #waiting: Array<() => void> = [];

  /** Takes the lock if it is free; true when taken. */
  tryAcquire(): boolean {
    if (this.#held) return false;
    this.#held = true;
    return true;
  }

  /** Resolves once the lock is taken, in the order asked. */
  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Hands the lock to the next in line, or frees it. */
  release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#held = false;
    else next();
  }
}
