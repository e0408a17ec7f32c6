import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory-bus.ts';
import { RedisBus } from '../bus/redis-bus.ts';
import { signalingHealth } from './signaling-health.ts';

// Doc 002's signaling health follows the bus: always healthy in one process, unhealthy in
// distributed mode while Redis cannot be reached.

const logger = pino({ level: 'silent' });

describe('signalingHealth', () => {
  it('is healthy on the in-process bus', async () => {
    const bus = new MemoryBus({ logger });
    const health = await signalingHealth(bus);
    expect(health).toMatchObject({ status: 'healthy', bus: 'memory' });
    expect(Number.isNaN(Date.parse(health.timestamp))).toBe(false);
    await bus.close();
  });

  it('is unhealthy, saying why, while Redis cannot be reached', async () => {
    // Nothing listens on port 1 of the loopback address: the connection is refused at once.
    const bus = new RedisBus({ url: 'redis://127.0.0.1:1', logger, unavailableAfterMs: 300 });
    try {
      const health = await signalingHealth(bus);
      expect(health).toMatchObject({ status: 'unhealthy', bus: 'redis' });
      expect(health.error).toMatch(/redis|unreachable/i);
    } finally {
      await bus.close();
    }
  });
});
