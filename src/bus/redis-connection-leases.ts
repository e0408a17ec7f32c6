import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ConnectionLeases, ReleaseLease } from './bus.ts';
import type { RedisConnection } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';
import { runScript } from './redis-scripts.ts';

// Global connection counts on Redis. A connection holds a lease, an entry with an expiry in the
// key's sorted set; only leases whose expiry has not passed count. This process refreshes its own
// leases on each heartbeat, so a process that dies (kill -9, a lost machine) leaks nothing: its
// leases lapse within the time-to-live. A release that cannot reach Redis lapses the same way.

export class RedisConnectionLeases implements ConnectionLeases {
  readonly #connection: RedisConnection;
  readonly #keys: RedisKeys;
  readonly #ttlMs: number;
  readonly #logger: Logger;
  readonly #leasePrefix: string;
  /** lease id → counted key, for the heartbeat. */
  readonly #held = new Map<string, string>();

  constructor(options: {
    connection: RedisConnection;
    keys: RedisKeys;
    owner: string;
    ttlMs: number;
    logger: Logger;
  }) {
    this.#connection = options.connection;
    this.#keys = options.keys;
    this.#ttlMs = options.ttlMs;
    this.#logger = options.logger;
    this.#leasePrefix = `${options.owner}:`;
  }

  async acquire(key: string, max: number): Promise<ReleaseLease | undefined> {
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`Invalid connection cap ${max} for ${key}`);
    const leaseId = this.#leasePrefix + randomUUID();
    const granted = await this.#connection.run((client) =>
      runScript(client, 'caiLeaseAcquire', [this.#keys.connectionLeases(key)], [leaseId, max, this.#ttlMs]),
    );
    if (Number(granted) !== 1) return undefined;
    this.#held.set(leaseId, key);
    return () => this.#release(leaseId);
  }

  async count(key: string): Promise<number> {
    const count = await this.#connection.run((client) =>
      runScript(client, 'caiLeaseCount', [this.#keys.connectionLeases(key)], []),
    );
    return Number(count);
  }

  /** Extends every lease this process holds (and re-adds those Redis lost). */
  async refresh(): Promise<void> {
    await Promise.all(
      [...this.#held].map(([leaseId, key]) =>
        this.#connection.run((client) =>
          runScript(client, 'caiLeaseRefresh', [this.#keys.connectionLeases(key)], [leaseId, this.#ttlMs]),
        ),
      ),
    );
  }

  /** Gives back every lease this process holds (a clean shutdown). */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.#held.keys()].map((leaseId) => this.#release(leaseId)));
  }

  async #release(leaseId: string): Promise<void> {
    const key = this.#held.get(leaseId);
    if (key === undefined) return;
    this.#held.delete(leaseId);
    await this.#connection
      .run((client) => client.zrem(this.#keys.connectionLeases(key), leaseId))
      .catch((error: unknown) => {
        this.#logger.debug({ err: error, key }, 'lease release deferred to its time-to-live');
      });
  }
}
