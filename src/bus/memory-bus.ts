import type { Logger } from 'pino';
import { ConnectionCounter } from '../limits/connection-counter.ts';
import type { Bus, ConnectionLeases, JsonValue, MessageHandler, Presence, PresenceMember } from './bus.ts';
import { BusUnavailableError } from './bus-unavailable-error.ts';
import { dispatch } from './message-dispatch.ts';

// The bus of embedded mode: one process, so everything lives in this process's memory. Nothing
// outlives the process, so nothing needs a time-to-live. It behaves like the Redis bus where a
// caller can tell: messages arrive asynchronously and as copies, as they would through Redis.

interface Subscription {
  handler: MessageHandler;
}

export class MemoryBus implements Bus {
  readonly kind = 'memory';
  readonly presence: Presence;
  readonly connections: ConnectionLeases;
  readonly #logger: Logger;
  readonly #channels = new Map<string, Set<Subscription>>();
  readonly #groups = new Map<string, Map<string, JsonValue>>();
  readonly #counter = new ConnectionCounter();
  #closed = false;

  constructor(options: { logger: Logger }) {
    this.#logger = options.logger;
    this.presence = this.#createPresence();
    this.connections = this.#createConnections();
  }

  async publish(channel: string, message: JsonValue): Promise<void> {
    this.#assertOpen();
    const copy = JSON.parse(JSON.stringify(message)) as JsonValue;
    const subscriptions = [...(this.#channels.get(channel) ?? [])];
    if (subscriptions.length === 0) return;
    setImmediate(() => {
      const live = subscriptions.filter((subscription) => this.#channels.get(channel)?.has(subscription));
      dispatch(
        live.map((subscription) => subscription.handler),
        copy,
        { channel, logger: this.#logger },
      );
    });
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    this.#assertOpen();
    const subscription: Subscription = { handler };
    let subscriptions = this.#channels.get(channel);
    if (subscriptions === undefined) {
      subscriptions = new Set();
      this.#channels.set(channel, subscriptions);
    }
    subscriptions.add(subscription);
    return async () => {
      const current = this.#channels.get(channel);
      current?.delete(subscription);
      if (current?.size === 0) this.#channels.delete(channel);
    };
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#channels.clear();
    this.#groups.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new BusUnavailableError({ message: 'The bus is closed.' });
  }

  #createPresence(): Presence {
    return {
      set: async (group, member, data) => {
        this.#assertOpen();
        let members = this.#groups.get(group);
        if (members === undefined) {
          members = new Map();
          this.#groups.set(group, members);
        }
        members.set(member, JSON.parse(JSON.stringify(data)) as JsonValue);
      },
      remove: async (group, member) => {
        const members = this.#groups.get(group);
        members?.delete(member);
        if (members?.size === 0) this.#groups.delete(group);
      },
      get: async (group, member) => {
        this.#assertOpen();
        return this.#groups.get(group)?.get(member);
      },
      list: async (group) => {
        this.#assertOpen();
        const members: PresenceMember[] = [];
        for (const [member, data] of this.#groups.get(group) ?? []) members.push({ member, data });
        return members;
      },
    };
  }

  #createConnections(): ConnectionLeases {
    return {
      acquire: async (key, max) => {
        this.#assertOpen();
        if (!Number.isInteger(max) || max < 0)
          throw new RangeError(`Invalid connection cap ${max} for ${key}`);
        const release = await this.#counter.acquire(key, max);
        if (release === undefined) return undefined;
        return async () => release();
      },
      count: async (key) => {
        this.#assertOpen();
        return this.#counter.count(key);
      },
    };
  }
}
