import type { Logger } from 'pino';
import type { JsonValue, MessageHandler, Unsubscribe } from './bus.ts';
import { dispatch } from './message-dispatch.ts';
import type { RedisConnection } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';

// The subscriber side of the Redis bus, on a connection of its own (a subscribed connection takes
// no other commands). Each channel is subscribed once in Redis however many handlers it has, and
// every channel with a handler is subscribed again after each reconnection.

interface Subscription {
  handler: MessageHandler;
}

interface ChannelState {
  subscriptions: Set<Subscription>;
  /** Settles when Redis has confirmed the SUBSCRIBE. */
  subscribed: Promise<void>;
}

export class RedisSubscriptions {
  readonly #connection: RedisConnection;
  readonly #keys: RedisKeys;
  readonly #logger: Logger;
  readonly #channels = new Map<string, ChannelState>();

  constructor(options: { connection: RedisConnection; keys: RedisKeys; logger: Logger }) {
    this.#connection = options.connection;
    this.#keys = options.keys;
    this.#logger = options.logger;
    this.#connection.client.on('message', (redisChannel: string, text: string) =>
      this.#deliver(redisChannel, text),
    );
    this.#connection.onReady(() => this.#resubscribe());
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    let state = this.#channels.get(channel);
    if (state === undefined) {
      const created: ChannelState = { subscriptions: new Set(), subscribed: this.#subscribeInRedis(channel) };
      created.subscribed.catch(() => {
        if (this.#channels.get(channel) === created) this.#channels.delete(channel);
      });
      this.#channels.set(channel, created);
      state = created;
    }
    const subscription: Subscription = { handler };
    state.subscriptions.add(subscription);
    try {
      await state.subscribed;
    } catch (error) {
      state.subscriptions.delete(subscription);
      throw error;
    }
    let unsubscribed = false;
    return async () => {
      if (unsubscribed) return;
      unsubscribed = true;
      const current = this.#channels.get(channel);
      if (current !== state) return;
      current.subscriptions.delete(subscription);
      if (current.subscriptions.size > 0) return;
      this.#channels.delete(channel);
      await this.#unsubscribeInRedis(channel);
    };
  }

  async #subscribeInRedis(channel: string): Promise<void> {
    await this.#connection.run((client) => client.subscribe(this.#keys.channel(channel)));
  }

  async #unsubscribeInRedis(channel: string): Promise<void> {
    try {
      await this.#connection.run((client) => client.unsubscribe(this.#keys.channel(channel)));
    } catch {
      // Redis is away: the reconnection drops this channel, since it has no handler any more.
    }
    // A new handler may have come in while the UNSUBSCRIBE was on its way.
    if (this.#channels.has(channel)) await this.#subscribeInRedis(channel).catch(() => undefined);
  }

  #resubscribe(): void {
    const redisChannels = [...this.#channels.keys()].map((channel) => this.#keys.channel(channel));
    if (redisChannels.length === 0) return;
    this.#connection
      .run((client) => client.subscribe(...redisChannels))
      .catch((error: unknown) => {
        // The connection dropped again; the next 'ready' tries again.
        this.#logger.warn({ err: error }, 'resubscribing to bus channels failed');
      });
  }

  #deliver(redisChannel: string, text: string): void {
    const channel = this.#keys.channelName(redisChannel);
    const state = channel === undefined ? undefined : this.#channels.get(channel);
    if (channel === undefined || state === undefined) return;
    let message: JsonValue;
    try {
      message = JSON.parse(text) as JsonValue;
    } catch (error) {
      this.#logger.warn({ err: error, channel }, 'dropped a bus message that is not JSON');
      return;
    }
    dispatch(
      [...state.subscriptions].map((subscription) => subscription.handler),
      message,
      { channel, logger: this.#logger },
    );
  }
}
