// Every key and channel of the Redis bus lives under one prefix ("cai:" by default), so cai can
// share a Redis with other software, and each test run can use a prefix of its own.

export const DEFAULT_KEY_PREFIX = 'cai:';

export class RedisKeys {
  readonly prefix: string;

  constructor(prefix: string = DEFAULT_KEY_PREFIX) {
    this.prefix = prefix;
  }

  presenceExpiries(group: string): string {
    return `${this.prefix}presence:${group}`;
  }

  presenceData(group: string): string {
    return `${this.prefix}presence-data:${group}`;
  }

  connectionLeases(key: string): string {
    return `${this.prefix}connections:${key}`;
  }

  channel(name: string): string {
    return `${this.prefix}channel:${name}`;
  }

  /** The bus channel name of a Redis channel, or undefined for one that is not the bus's. */
  channelName(redisChannel: string): string | undefined {
    const start = `${this.prefix}channel:`;
    return redisChannel.startsWith(start) ? redisChannel.slice(start.length) : undefined;
  }
}
