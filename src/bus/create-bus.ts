import type { Logger } from 'pino';
import type { Bus } from './bus.ts';
import { MemoryBus } from './memory-bus.ts';
import { RedisBus } from './redis-bus.ts';

// The one place that picks the bus: Redis when REDIS_URL is set (distributed mode), else memory.

export interface CreateBusOptions {
  redisUrl?: string;
  logger: Logger;
  keyPrefix?: string;
  ttlMs?: number;
  unavailableAfterMs?: number;
}

export function createBus(options: CreateBusOptions): Bus {
  if (options.redisUrl === undefined || options.redisUrl === '')
    return new MemoryBus({ logger: options.logger });
  return new RedisBus({
    url: options.redisUrl,
    logger: options.logger,
    keyPrefix: options.keyPrefix,
    ttlMs: options.ttlMs,
    unavailableAfterMs: options.unavailableAfterMs,
  });
}
