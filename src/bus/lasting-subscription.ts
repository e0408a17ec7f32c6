import type { Logger } from 'pino';
import type { Unsubscribe } from './bus.ts';

// A subscription a process needs for its whole life (key revocations, relays to its peers). The
// bus keeps a subscription through Redis outages once it is made, but making it needs Redis up;
// a process that starts while Redis is away keeps trying here instead of running without it.

export interface LastingSubscriptionOptions {
  subscribe: () => Promise<Unsubscribe>;
  logger: Logger;
  /** What is being subscribed to, for the logs. */
  name: string;
  retryMs?: number;
}

/** Subscribes now, or keeps trying every `retryMs`; answers how to stop either. */
export async function lastingSubscription(options: LastingSubscriptionOptions): Promise<Unsubscribe> {
  const retryMs = options.retryMs ?? 2_000;
  let unsubscribe: Unsubscribe | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function attempt(): Promise<void> {
    try {
      const made = await options.subscribe();
      if (stopped) await made();
      else unsubscribe = made;
    } catch (error) {
      if (stopped) return;
      options.logger.warn({ err: error, subscription: options.name }, 'bus subscription failed; retrying');
      timer = setTimeout(() => void attempt(), retryMs);
      timer.unref();
    }
  }

  await attempt();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await unsubscribe?.();
  };
}
