import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { BusUnavailableError } from './bus-unavailable-error.ts';
import { lastingSubscription } from './lasting-subscription.ts';

const logger = pino({ level: 'silent' });

describe('lastingSubscription', () => {
  it('keeps trying while the bus is unreachable and subscribes once it answers', async () => {
    let attempts = 0;
    let unsubscribed = 0;
    const stop = await lastingSubscription({
      name: 'test',
      logger,
      retryMs: 5,
      subscribe: async () => {
        attempts += 1;
        if (attempts < 3) throw new BusUnavailableError({ message: 'Redis is away' });
        return async () => {
          unsubscribed += 1;
        };
      },
    });
    await expect.poll(() => attempts).toBe(3);
    await stop();
    expect(unsubscribed).toBe(1);
  });

  it('stops retrying once stopped', async () => {
    let attempts = 0;
    const stop = await lastingSubscription({
      name: 'test',
      logger,
      retryMs: 5,
      subscribe: async () => {
        attempts += 1;
        throw new BusUnavailableError({ message: 'Redis is away' });
      },
    });
    await stop();
    const seen = attempts;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(attempts).toBe(seen);
  });
});
