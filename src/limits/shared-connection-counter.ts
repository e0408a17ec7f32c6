import type { Logger } from 'pino';
import type { ConnectionLeases } from '../bus/bus.ts';
import { BusUnavailableError, isBusUnavailable } from '../bus/bus-unavailable-error.ts';
import { ConnectionCounter, type Release } from './connection-counter.ts';

// Concurrent-connection caps counted on the bus, so that they hold across every process, with a
// chosen answer for when the bus (Redis) is unreachable, per kind of key:
// - `tenant:` and `company:` keys count in this process instead (fail open, at most the cap per
//   process): an outage of Redis must not cut a paying tenant off, and these callers are
//   authenticated, so the excess is bounded and attributable;
// - `ip:` keys (anonymous use) are refused with SERVICE_UNAVAILABLE (fail closed): anonymous
//   connections are the abuse vector the cap exists for, and refusing them costs little.
// Same `acquire` as ConnectionCounter, so the WebSocket layer takes either.

export type OutageAnswer = 'count-locally' | 'refuse';

/** The answer for a key while the bus is unreachable; docs/scaling.md explains the choice. */
export function outageAnswerFor(key: string): OutageAnswer {
  return key.startsWith('ip:') ? 'refuse' : 'count-locally';
}

export interface SharedConnectionCounterOptions {
  leases: ConnectionLeases;
  logger: Logger;
  outageAnswer?: (key: string) => OutageAnswer;
}

export class SharedConnectionCounter {
  readonly #leases: ConnectionLeases;
  readonly #logger: Logger;
  readonly #outageAnswer: (key: string) => OutageAnswer;
  readonly #local = new ConnectionCounter();

  constructor(options: SharedConnectionCounterOptions) {
    this.#leases = options.leases;
    this.#logger = options.logger;
    this.#outageAnswer = options.outageAnswer ?? outageAnswerFor;
  }

  /**
   * A release function when under `max` (0 = no cap), else undefined. Rejects with
   * BusUnavailableError (SERVICE_UNAVAILABLE) for a key whose outage answer is to refuse.
   */
  async acquire(key: string, max: number): Promise<Release | undefined> {
    try {
      const release = await this.#leases.acquire(key, max);
      return release === undefined ? undefined : () => void release();
    } catch (error) {
      if (!isBusUnavailable(error)) throw error;
      if (this.#outageAnswer(key) === 'refuse') {
        throw new BusUnavailableError({
          message:
            'Connections of this kind are paused while the shared connection count is unreachable; retry shortly.',
          cause: error,
        });
      }
      this.#logger.debug({ key }, 'bus unreachable; counting this connection in this process');
      return this.#local.acquire(key, max);
    }
  }
}
