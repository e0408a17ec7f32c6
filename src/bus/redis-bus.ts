import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Bus, JsonValue, MessageHandler, Unsubscribe } from './bus.ts';
import { RedisConnection } from './redis-connection.ts';
import { RedisConnectionLeases } from './redis-connection-leases.ts';
import { RedisKeys } from './redis-keys.ts';
import { RedisPresence } from './redis-presence.ts';
import { defineScripts } from './redis-scripts.ts';
import { RedisSubscriptions } from './redis-subscriptions.ts';

// The bus of distributed mode, on Redis through ioredis: one connection for commands, one for
// subscriptions. A heartbeat every third of the time-to-live keeps this process's presence
// members and connection leases alive; after a reconnection it runs at once, so what Redis lost
// in a restart is back within moments.

export const DEFAULT_BUS_TTL_MS = 15_000;

export interface RedisBusOptions {
  url: string;
  logger: Logger;
  /** Prefix of every key and channel; "cai:" unless tests or a shared Redis need another. */
  keyPrefix?: string;
  /** How long the presence members and leases of a process that died survive it. */
  ttlMs?: number;
  /** How long a call may wait for Redis before it fails with BusUnavailableError. */
  unavailableAfterMs?: number;
}

export class RedisBus implements Bus {
  readonly kind = 'redis';
  readonly presence: RedisPresence;
  readonly connections: RedisConnectionLeases;
  /** This process's identity in Redis: the owner of its presence members and leases. */
  readonly processId = randomUUID();
  readonly #keys: RedisKeys;
  readonly #commands: RedisConnection;
  readonly #subscriber: RedisConnection;
  readonly #subscriptions: RedisSubscriptions;
  readonly #logger: Logger;
  readonly #heartbeat: NodeJS.Timeout;
  #heartbeatFailing = false;
  #beating = false;
  #closed: Promise<void> | undefined;

  constructor(options: RedisBusOptions) {
    const ttlMs = options.ttlMs ?? DEFAULT_BUS_TTL_MS;
    if (!Number.isInteger(ttlMs) || ttlMs < 300)
      throw new RangeError(`Bus ttlMs must be ≥ 300, got ${ttlMs}`);
    this.#logger = options.logger.child({ component: 'bus' });
    this.#keys = new RedisKeys(options.keyPrefix);
    const connectionOptions = {
      url: options.url,
      logger: this.#logger,
      unavailableAfterMs: options.unavailableAfterMs,
    };
    this.#commands = new RedisConnection({ ...connectionOptions, name: 'bus' });
    this.#subscriber = new RedisConnection({ ...connectionOptions, name: 'bus-subscriber' });
    defineScripts(this.#commands.client);
    const parts = {
      connection: this.#commands,
      keys: this.#keys,
      owner: this.processId,
      ttlMs,
      logger: this.#logger,
    };
    this.presence = new RedisPresence(parts);
    this.connections = new RedisConnectionLeases(parts);
    this.#subscriptions = new RedisSubscriptions({
      connection: this.#subscriber,
      keys: this.#keys,
      logger: this.#logger,
    });
    this.#heartbeat = setInterval(() => void this.#beat(), Math.floor(ttlMs / 3));
    this.#heartbeat.unref();
    this.#commands.onReady(() => void this.#beat());
  }

  async publish(channel: string, message: JsonValue): Promise<void> {
    const text = JSON.stringify(message);
    await this.#commands.run((client) => client.publish(this.#keys.channel(channel), text));
  }

  subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    return this.#subscriptions.subscribe(channel, handler);
  }

  async ping(): Promise<void> {
    await this.#commands.run((client) => client.ping());
    await this.#subscriber.whenReady();
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    clearInterval(this.#heartbeat);
    // Withdraw at once what would otherwise linger for a time-to-live.
    await Promise.all([this.presence.removeAll(), this.connections.releaseAll()]);
    await Promise.all([this.#commands.close(), this.#subscriber.close()]);
  }

  /** One heartbeat; a failure is logged once per outage, and the next beat tries again. */
  async #beat(): Promise<void> {
    // A beat slower than the interval is not overlapped by the next one.
    if (this.#closed !== undefined || this.#beating) return;
    this.#beating = true;
    try {
      await Promise.all([this.presence.refresh(), this.connections.refresh()]);
      if (this.#heartbeatFailing) this.#logger.info('bus heartbeat restored');
      this.#heartbeatFailing = false;
    } catch (error) {
      if (!this.#heartbeatFailing) {
        this.#logger.warn(
          { err: error },
          'bus heartbeat failed; presence and leases lapse if Redis stays away',
        );
      }
      this.#heartbeatFailing = true;
    } finally {
      this.#beating = false;
    }
  }
}
