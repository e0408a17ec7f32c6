import { APICallError } from '@ai-sdk/provider';
import { ModelError } from './chat-model.ts';
import { modelErrorForStatus } from './model-error-for-status.ts';
import { retryAfterMsFrom } from './retry-after.ts';

// Any failure out of the AI SDK (HTTP status, network, a garbled stream, an abort), as the one error
// type the retry policy and the protocols understand.

export function toModelError(error: unknown, options: { signal?: AbortSignal; model: string }): ModelError {
  if (error instanceof ModelError) return error;
  const prefix = `${options.model}: `;
  if (options.signal?.aborted || isAbortError(error)) {
    return new ModelError({
      kind: 'aborted',
      message: `${prefix}the call was aborted`,
      retryable: false,
      cause: error,
    });
  }
  if (APICallError.isInstance(error)) {
    const statusCode = error.statusCode;
    const retryAfterMs = retryAfterMsFrom(error.responseHeaders);
    const message = `${prefix}${error.message}`;
    if (statusCode === undefined) {
      // No status: the connection failed or broke (the SDK says whether a retry can help).
      return new ModelError({ kind: 'upstream', message, retryable: error.isRetryable, cause: error });
    }
    if (statusCode >= 200 && statusCode < 300 && isConnectionBroken(error.cause)) {
      return new ModelError({
        kind: 'upstream',
        message: `${prefix}the connection to the provider broke mid-stream (${messageOf(error.cause)})`,
        retryable: true,
        statusCode,
        cause: error,
      });
    }
    if (statusCode >= 200 && statusCode < 300) {
      // A success status whose body could not be processed.
      return new ModelError({
        kind: 'invalid-response',
        message,
        retryable: false,
        statusCode,
        cause: error,
      });
    }
    return modelErrorForStatus({ message, statusCode, retryAfterMs, cause: error });
  }
  if (isParseError(error)) {
    return new ModelError({
      kind: 'invalid-response',
      message: `${prefix}the provider sent a malformed stream (${messageOf(error)})`,
      retryable: false,
      cause: error,
    });
  }
  if (isConnectionBroken(error)) {
    // undici's "terminated" / "fetch failed": the connection broke under us.
    return new ModelError({
      kind: 'upstream',
      message: `${prefix}the connection to the provider failed (${messageOf(error)})`,
      retryable: true,
      cause: error,
    });
  }
  return new ModelError({
    kind: 'upstream',
    message: `${prefix}${messageOf(error)}`,
    retryable: false,
    cause: error,
  });
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'ResponseAborted');
}

/** undici's "terminated" / "fetch failed", or a socket error code anywhere down the cause chain. */
function isConnectionBroken(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (current instanceof TypeError || (typeof code === 'string' && /^(UND_ERR_|E[A-Z]+)/.test(code)))
      return true;
    current = current.cause;
  }
  return false;
}

function isParseError(error: unknown): boolean {
  return (
    error instanceof Error &&
    ['AI_JSONParseError', 'AI_TypeValidationError', 'AI_InvalidResponseDataError'].includes(error.name)
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
