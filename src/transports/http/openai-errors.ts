import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, toAppError } from '../../core/errors.ts';

// Errors on `/v1/*` in OpenAI's shape, {"error":{"message","type","param","code"}}, so the official
// clients raise their typed errors (AuthenticationError, RateLimitError, …) with cai's message.
// `code` is cai's stable code; the status is the registry's, as on every other route.

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string; details?: unknown };
}

function typeFor(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** The field a validation error is about, from parseInput's `details.problems`. */
function paramOf(error: AppError): string | null {
  const problems = (error.details as { problems?: Array<{ field?: unknown }> } | undefined)?.problems;
  const field = Array.isArray(problems) ? problems[0]?.field : undefined;
  return typeof field === 'string' ? field : null;
}

export function openAiErrorBody(error: AppError): OpenAiErrorBody {
  return {
    error: {
      message: error.message,
      type: typeFor(error.status),
      param: paramOf(error),
      code: error.code,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}

/** Fastify's own failures (body parsing, content type, size) as registry errors. */
function fromFastify(error: FastifyError): AppError | undefined {
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new AppError('INVALID_JSON', { message: `Invalid JSON format: ${error.message}` });
  }
  if (error instanceof SyntaxError) return new AppError('INVALID_JSON');
  if (error.statusCode === 413) return new AppError('PAYLOAD_TOO_LARGE');
  if (error.statusCode === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', { message: error.message });
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('INVALID_REQUEST', { message: error.message });
  }
  return undefined;
}

/** Installs the OpenAI-shaped error handler on one encapsulated scope (its routes and their hooks). */
export function installOpenAiErrorHandler(server: FastifyInstance): void {
  server.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = error instanceof AppError ? error : (fromFastify(error) ?? toAppError(error));
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    if (appError.retryAfterMs !== undefined) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(appError.retryAfterMs / 1000))));
    }
    return reply.status(appError.status).send(openAiErrorBody(appError));
  });
}
