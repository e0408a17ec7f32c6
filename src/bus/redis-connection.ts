import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BusUnavailableError } from './bus-unavailable-error.ts';

// One connection to Redis that fails fast instead of queueing: while Redis is unreachable a call
// is refused at once with BusUnavailableError (and a call Redis does not answer in time fails the
// same way), rather than waiting for a recovery that may take minutes. Reconnection never stops,
// so service comes back without a restart. docs/scaling.md, "When Redis is unreachable".

export const DEFAULT_UNAVAILABLE_AFTER_MS = 2000;
const RECONNECT_MAX_DELAY_MS = 2000;

export interface RedisClientOptions {
  url: string;
  logger: Logger;
  /** Shows in Redis's CLIENT LIST and in the logs. */
  name: string;
  /** How long a command (or the first connection) may take before it counts as unavailable. */
  unavailableAfterMs?: number;
}

/**
 * An ioredis client with the fail-fast settings, for callers that drive ioredis themselves (the
 * rate limits). It logs the start and the end of an outage once each, never every retry.
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  const unavailableAfterMs = options.unavailableAfterMs ?? DEFAULT_UNAVAILABLE_AFTER_MS;
  const client = new Redis(options.url, {
    connectionName: `cai-${options.name}`,
    // Refuse rather than queue while disconnected, and do not replay a command after a reconnect:
    // a caller that already gave up must not see its command run later.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: unavailableAfterMs,
    connectTimeout: Math.max(unavailableAfterMs, 1000),
    // The bus resubscribes itself (redis-subscriptions.ts), with its failures handled.
    autoResubscribe: false,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), RECONNECT_MAX_DELAY_MS),
  });
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    options.logger.warn(
      { err: error, redis: options.name },
      'Redis is unreachable; retrying in the background',
    );
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    options.logger.info({ redis: options.name }, 'Redis is reachable again');
  });
  return client;
}

/** A client plus the bookkeeping that turns its state into fast, typed refusals. */
export class RedisConnection {
  readonly client: Redis;
  readonly #unavailableAfterMs: number;
  readonly #readyListeners = new Set<() => void>();
  readonly #waiters = new Set<(error?: BusUnavailableError) => void>();
  // True from a failure until the next 'ready': calls are then refused without waiting.
  #down = false;
  #closed = false;

  constructor(options: RedisClientOptions) {
    this.#unavailableAfterMs = options.unavailableAfterMs ?? DEFAULT_UNAVAILABLE_AFTER_MS;
    this.client = createRedisClient(options);
    this.client.on('ready', () => {
      this.#down = false;
      this.#settleWaiters();
      for (const listener of this.#readyListeners) listener();
    });
    const markDown = () => {
      this.#down = true;
      this.#settleWaiters(new BusUnavailableError());
    };
    this.client.on('error', markDown);
    this.client.on('close', markDown);
  }

  /** Runs one operation on the client once it is ready; every failure becomes BusUnavailableError. */
  async run<T>(operation: (client: Redis) => Promise<T>): Promise<T> {
    await this.whenReady();
    try {
      return await operation(this.client);
    } catch (error) {
      throw new BusUnavailableError({ cause: error });
    }
  }

  /** Resolves when the client can take a command now, waiting briefly only while it first connects. */
  async whenReady(): Promise<void> {
    if (this.#closed) throw new BusUnavailableError({ message: 'The bus is closed.' });
    if (this.client.status === 'ready') return;
    if (this.#down) throw new BusUnavailableError();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => settle(new BusUnavailableError()), this.#unavailableAfterMs);
      const settle = (error?: BusUnavailableError) => {
        clearTimeout(timer);
        this.#waiters.delete(settle);
        if (error === undefined) resolve();
        else reject(error);
      };
      this.#waiters.add(settle);
    });
  }

  /** Called on every (re)connection, e.g. to restore subscriptions and presence. */
  onReady(listener: () => void): void {
    this.#readyListeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#readyListeners.clear();
    this.#settleWaiters(new BusUnavailableError({ message: 'The bus is closed.' }));
    if (this.client.status === 'ready') {
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }

  #settleWaiters(error?: BusUnavailableError): void {
    for (const settle of [...this.#waiters]) settle(error);
  }
}
