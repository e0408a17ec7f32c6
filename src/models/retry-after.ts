// The upstream's own word on when to come back: `retry-after-ms` (OpenAI), else `Retry-After` as
// seconds or as an HTTP date (RFC 9110 §10.2.3).

export function retryAfterMsFrom(
  headers: Record<string, string | undefined> | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const header = (name: string) =>
    Object.entries(headers)
      .find(([key]) => key.toLowerCase() === name)?.[1]
      ?.trim() || undefined;

  const milliseconds = Number(header('retry-after-ms'));
  if (header('retry-after-ms') !== undefined && Number.isFinite(milliseconds) && milliseconds >= 0) {
    return Math.ceil(milliseconds);
  }
  const retryAfter = header('retry-after');
  if (retryAfter === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
  // An HTTP date names its weekday and month; a bare number that is not valid seconds (e.g. "-3") is no date.
  if (!/[a-z]/i.test(retryAfter)) return undefined;
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
