import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { HttpDependencies } from './http-dependencies.ts';
import { principalOf } from './tenant-guard.ts';
import { parseInput } from './validation.ts';

// `POST /api/v1/auth/token`: a server holding an API key gets a short-lived user JWT to hand to a
// browser, so that browsers never hold API keys.

const MAX_TTL_SECONDS = 30 * 24 * 60 * 60;

const tokenBody = z
  .object({
    user_id: z.string().trim().min(1).max(256),
    ttl_seconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional(),
  })
  .strict();

export function registerAuthTokenRoutes(server: FastifyInstance, dependencies: HttpDependencies): void {
  server.post('/api/v1/auth/token', async (request, reply) => {
    const principal = principalOf(request);
    if (principal.kind !== 'api-key') {
      throw new AppError('FORBIDDEN', {
        message: 'Only an API key can be exchanged for a token.',
        details: { hint: 'Call this endpoint from your server with the tenant API key.' },
      });
    }
    const body = parseInput(tokenBody, request.body);
    const ttlSeconds = body.ttl_seconds ?? dependencies.config.JWT_DEFAULT_TTL_SECONDS;
    const issued = await dependencies.tenantAdmin.issueToken({
      tenantId: principal.tenantId,
      userId: body.user_id,
      ttlSeconds,
    });
    return reply.status(201).send({
      token: issued.token,
      token_type: 'Bearer',
      expires_in: ttlSeconds,
      expires_at: issued.expires_at,
      user_id: body.user_id,
      tenant_id: principal.tenantId,
    });
  });
}
