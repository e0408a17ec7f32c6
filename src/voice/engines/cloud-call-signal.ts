// One cloud voice call's abort signal: the caller's, or our own deadline, whichever comes first.

export interface CloudCallSignal {
  signal: AbortSignal;
  /** Whether the deadline, not the caller, stopped the call. */
  timedOut(): boolean;
}

export function cloudCallSignal(options: { signal: AbortSignal; timeoutMs: number }): CloudCallSignal {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  return {
    signal: AbortSignal.any([options.signal, deadline]),
    timedOut: () => deadline.aborted && !options.signal.aborted,
  };
}
