import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, toAppError } from '../../core/errors.ts';

// Every REST error has one body: {"error":{"code","message","details"?}} with the registry's status.

export function errorBody(error: AppError): { error: { code: string; message: string; details?: unknown } } {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}

/** Fastify's own errors (body parsing, content types) mapped into the registry. */
function fromFastify(error: FastifyError): AppError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', { details: { hint: 'Send a smaller body.' } });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', {
        message: 'Unsupported content type.',
        details: { hint: 'Send Content-Type: application/json.' },
      });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('INVALID_JSON', { message: `Invalid JSON format: ${error.message}` });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('INVALID_REQUEST', { message: error.message });
    default:
      break;
  }
  if (error instanceof SyntaxError) return new AppError('INVALID_JSON', { message: 'Invalid JSON format' });
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('INVALID_REQUEST', { message: error.message });
  }
  return undefined;
}

export function installErrorHandler(server: FastifyInstance): void {
  server.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = error instanceof AppError ? error : (fromFastify(error) ?? toAppError(error));
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    if (appError.retryAfterMs !== undefined) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(appError.retryAfterMs / 1000))));
    }
    return reply.status(appError.status).send(errorBody(appError));
  });

  server.setNotFoundHandler((request, reply) =>
    reply.status(404).send(
      errorBody(
        new AppError('NOT_FOUND', {
          message: `No route for ${request.method} ${request.url.split('?')[0]}`,
          details: { hint: 'See docs/api/rest.md for the endpoints.' },
        }),
      ),
    ),
  );
}
