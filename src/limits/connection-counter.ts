// Concurrent-connection caps (per tenant, per company, per IP), counted in this process.
// `acquire` is async so a shared counter (Redis, distributed mode) can take its place unchanged.

export type Release = () => void;

export class ConnectionCounter {
  readonly #counts = new Map<string, number>();

  /** A release function when under `max` (0 = no cap), else undefined. Releasing twice counts once. */
  async acquire(key: string, max: number): Promise<Release | undefined> {
    const current = this.#counts.get(key) ?? 0;
    if (max > 0 && current >= max) return undefined;
    this.#counts.set(key, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const remaining = (this.#counts.get(key) ?? 1) - 1;
      if (remaining > 0) this.#counts.set(key, remaining);
      else this.#counts.delete(key);
    };
  }

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
}
