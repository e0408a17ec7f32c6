import type { Logger } from 'pino';
import type { Bus } from './bus.ts';
import { MemoryBus } from './memory-bus.ts';

// The one place that picks the bus: Redis when REDIS_URL is set (distributed mode), else memory.
// The Redis bus and ioredis are imported only then: an embedded process never loads them (about
// 8 MB).

export interface CreateBusOptions {
  redisUrl?: string;
  logger: Logger;
  keyPrefix?: string;
  ttlMs?: number;
  unavailableAfterMs?: number;
}

export async function createBus(options: CreateBusOptions): Promise<Bus> {
  if (options.redisUrl === undefined || options.redisUrl === '')
    return new MemoryBus({ logger: options.logger });
  const { RedisBus } = await import('./redis-bus.ts');
  return new RedisBus({
    url: options.redisUrl,
    logger: options.logger,
    keyPrefix: options.keyPrefix,
    ttlMs: options.ttlMs,
    unavailableAfterMs: options.unavailableAfterMs,
  });
}
