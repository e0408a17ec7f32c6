// One `next()` of an async iterator, raced against a deadline and an abort signal: whichever comes
// first wins, without waiting for a stalled upstream to notice anything.

export function nextWithin<T>(options: {
  iterator: AsyncIterator<T>;
  timeoutMs: number;
  signal: AbortSignal;
  onTimeout: () => Error;
  onAbort: () => Error;
}): Promise<IteratorResult<T>> {
  const { iterator, timeoutMs, signal } = options;
  if (signal.aborted) return Promise.reject(options.onAbort());
  return new Promise((resolve, reject) => {
    const settle = (action: () => void) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
      action();
    };
    const abort = () => settle(() => reject(options.onAbort()));
    const timer = setTimeout(() => settle(() => reject(options.onTimeout())), timeoutMs);
    signal.addEventListener('abort', abort, { once: true });
    iterator.next().then(
      (result) => settle(() => resolve(result)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}
