import type { FastifyRequest } from 'fastify';
import type { RequestLike } from '../../auth/credentials.ts';

/** A Fastify request as the credentials module reads it (headers, parsed query, path parameters). */
export function requestLike(request: FastifyRequest): RequestLike {
  return {
    headers: request.headers,
    query: request.query as Record<string, unknown> | undefined,
    params: request.params as Record<string, unknown> | undefined,
  };
}
