import type { IncomingHttpHeaders } from 'node:http';
import { ModelError } from './chat-model.ts';
import { retryAfterMsFrom } from './retry-after.ts';
import { modelErrorForStatus } from './model-error-for-status.ts';

// How a Chat Completions call fails, as the ModelErrors that toModelError makes of the AI SDK's
// errors for the same failure (kinds, retryable flags, statuses, messages with the provider's own
// words), so that retries, fallback and the protocols cannot tell the two clients apart.

/** An error status, with the provider's message from the body (`{"error":{"message"}}`, or Cerebras' `{"message"}`). */
export function httpStatusError(options: {
  model: string;
  statusCode: number;
  statusMessage: string | undefined;
  body: string;
  headers: IncomingHttpHeaders;
}): ModelError {
  const { model, statusCode } = options;
  const message = providerMessage(options.body) ?? (options.statusMessage || `HTTP ${statusCode}`);
  const retryAfterMs = retryAfterMsFrom({
    'retry-after-ms': singleHeader(options.headers['retry-after-ms']),
    'retry-after': singleHeader(options.headers['retry-after']),
  });
  return byStatus({ model, statusCode, message, retryAfterMs });
}

/**
 * An `{"error":…}` event in a stream. Before any text it is classified like the status it stands for
 * (as @ai-sdk/openai does, from its `code` and `type`), so that a rate limit is retried; after text it
 * ends the reply, as the AI SDK's error part does.
 */
export function streamErrorEvent(options: { model: string; error: unknown; textSent: boolean }): ModelError {
  const { model, error } = options;
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const message =
    typeof fields.message === 'string'
      ? fields.message
      : `the provider sent an error (${JSON.stringify(error)})`;
  if (options.textSent) {
    return new ModelError({
      kind: 'upstream',
      message: `${model}: ${message}`,
      retryable: false,
      cause: error,
    });
  }
  return byStatus({ model, statusCode: statusOfErrorEvent(fields), message, cause: error });
}

/** A failure of the connection itself: refused, reset, cut mid-stream, or aborted by the caller. */
export function connectionError(
  error: unknown,
  options: { model: string; signal: AbortSignal; midStream: boolean },
): ModelError {
  if (error instanceof ModelError) return error;
  if (options.signal.aborted) return abortedError(options.model, error);
  const detail = error instanceof Error ? error.message : String(error);
  const message = options.midStream
    ? `${options.model}: the connection to the provider broke mid-stream (${detail})`
    : `${options.model}: the connection to the provider failed (${detail})`;
  return new ModelError({ kind: 'upstream', message, retryable: true, cause: error });
}

export function abortedError(model: string, cause?: unknown): ModelError {
  return new ModelError({
    kind: 'aborted',
    message: `${model}: the call was aborted`,
    retryable: false,
    cause,
  });
}

/** A success status whose body is not what the wire promises. */
export function invalidResponse(model: string, what: string, cause?: unknown): ModelError {
  return new ModelError({ kind: 'invalid-response', message: `${model}: ${what}`, retryable: false, cause });
}

function byStatus(options: {
  model: string;
  statusCode: number;
  message: string;
  retryAfterMs?: number;
  cause?: unknown;
}): ModelError {
  return modelErrorForStatus({ ...options, message: `${options.model}: ${options.message}` });
}

function providerMessage(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { error, message } = parsed as { error?: unknown; message?: unknown };
  if (typeof error === 'string') return error;
  const nested =
    typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  if (typeof nested === 'string') return nested;
  return typeof message === 'string' ? message : undefined;
}

/** The HTTP status an error event stands for, as @ai-sdk/openai reads it from `code` and `type`. */
function statusOfErrorEvent(fields: Record<string, unknown>): number {
  const { code, type } = fields;
  const numeric =
    typeof code === 'number' ? code : typeof code === 'string' && /^\d{3}$/.test(code) ? Number(code) : 0;
  if (numeric >= 400 && numeric <= 599) return numeric;
  const words = [code, type]
    .filter((value) => typeof value === 'string')
    .join(' ')
    .toLowerCase();
  const statuses: Array<[string[], number]> = [
    [['insufficient_quota', 'rate_limit'], 429],
    [['authentication'], 401],
    [['permission'], 403],
    [['not_found'], 404],
    [['invalid', 'bad_request', 'context_length'], 400],
    [['overload'], 503],
    [['timeout'], 504],
  ];
  return statuses.find(([terms]) => terms.some((term) => words.includes(term)))?.[1] ?? 500;
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
