import type { RateLimits } from '../../limits/rate-limits.ts';

// LIMIT_WS_MESSAGES_PER_SECOND (or a protocol's own rate) for one connection, counted by the
// limits module (so a Redis backend counts it the same way). A message over the limit is refused
// and dropped; a flood far over it (FLOOD_FACTOR times the limit within a second) ends the
// connection. The flood count is kept here, synchronously, so a flood is caught before its
// messages pile up waiting on the limits module.

export interface MessageRateGateOptions {
  rateLimits: RateLimits;
  connectionId: string;
  /** The setting the limit comes from, which also names its count (LIMIT_WS_MESSAGES_PER_SECOND unless given). */
  limitName?: string;
  /** Messages per second; 0 = no limit. */
  limit: number;
  /** A flood is more than `limit × floodFactor` messages within one second. */
  floodFactor?: number;
  now?: () => number;
}

const DEFAULT_FLOOD_FACTOR = 5;
const WINDOW_MS = 1000;

export class MessageRateGate {
  readonly #options: MessageRateGateOptions;
  readonly #floodThreshold: number;
  readonly #now: () => number;
  #windowStart = 0;
  #windowCount = 0;

  constructor(options: MessageRateGateOptions) {
    this.#options = options;
    this.#floodThreshold = options.limit * (options.floodFactor ?? DEFAULT_FLOOD_FACTOR);
    this.#now = options.now ?? Date.now;
  }

  /** Counts one message as it arrives, synchronously: true when it makes a flood. */
  countFlood(): boolean {
    if (this.#options.limit === 0) return false;
    const now = this.#now();
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#windowStart = now;
      this.#windowCount = 0;
    }
    this.#windowCount += 1;
    return this.#windowCount > this.#floodThreshold;
  }

  /** Whether one more message may pass now (a refusal says how long to wait). */
  async consume(): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }> {
    if (this.#options.limit === 0) return { allowed: true };
    const decision = await this.#options.rateLimits.consume({
      name: this.#options.limitName ?? 'LIMIT_WS_MESSAGES_PER_SECOND',
      key: this.#options.connectionId,
      limit: this.#options.limit,
      windowSeconds: 1,
    });
    return decision.allowed ? { allowed: true } : { allowed: false, retryAfterMs: decision.retryAfterMs };
  }
}
