// Exponential backoff with full jitter: a random wait in [0, min(cap, base · 2^attempt)), so that
// many clients failing together do not come back together.

export function backoffDelayMs(options: {
  /** 0 for the first retry. */
  attempt: number;
  baseDelayMs: number;
  maxDelayMs: number;
  random?: () => number;
}): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** options.attempt);
  return Math.floor((options.random ?? Math.random)() * ceiling);
}
