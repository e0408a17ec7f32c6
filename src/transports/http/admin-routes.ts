import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { authenticateAdmin } from '../../auth/authenticator.ts';
import { readCredential } from '../../auth/credentials.ts';
import { LIMIT_NAMES } from '../../core/domain.ts';
import { AppError } from '../../core/errors.ts';
import { isLimitName } from '../../limits/effective-limit.ts';
import { requestLike } from './request-like.ts';
import type { HttpDependencies } from './http-dependencies.ts';
import { parseInput } from './validation.ts';

// The CLI's operations over REST, behind ADMIN_API_KEY (they span tenants). Same implementation
// as the CLI: src/auth/tenant-admin.ts.

// Made once: a zod schema costs far more to build (and to parse with the first time) than to use.
const tenantParams = z.object({ tenant_id: z.string().min(1).max(64) });
const keyParams = z.object({ key_id: z.string().min(1).max(64) });
const createTenantBody = z.object({ name: z.string().trim().min(1).max(200) }).strict();

export function registerAdminRoutes(server: FastifyInstance, dependencies: HttpDependencies): void {
  const { tenantAdmin, config } = dependencies;

  // Before the body is read, like the tenant guard.
  server.addHook('onRequest', async (request) => {
    authenticateAdmin(readCredential(requestLike(request)), config.ADMIN_API_KEY);
  });

  server.post('/api/v1/admin/tenants', async (request, reply) => {
    const body = parseInput(createTenantBody, request.body);
    return reply.status(201).send(await tenantAdmin.createTenant({ name: body.name }));
  });

  server.post('/api/v1/admin/tenants/:tenant_id/keys', async (request, reply) => {
    const { tenant_id: tenantId } = parseInput(tenantParams, request.params, 'path');
    return reply.status(201).send(await tenantAdmin.createKey({ tenantId }));
  });

  server.delete('/api/v1/admin/keys/:key_id', async (request) => {
    const { key_id: keyId } = parseInput(keyParams, request.params, 'path');
    return tenantAdmin.revokeKey(keyId);
  });

  server.post('/api/v1/admin/tokens', async (request, reply) => {
    const body = parseInput(
      z
        .object({
          tenant_id: z.string().min(1).max(64),
          user_id: z.string().trim().min(1).max(256),
          ttl_seconds: z
            .number()
            .int()
            .min(1)
            .max(30 * 24 * 60 * 60)
            .optional(),
        })
        .strict(),
      request.body,
    );
    const issued = await tenantAdmin.issueToken({
      tenantId: body.tenant_id,
      userId: body.user_id,
      ...(body.ttl_seconds === undefined ? {} : { ttlSeconds: body.ttl_seconds }),
    });
    return reply.status(201).send(issued);
  });

  server.get('/api/v1/admin/tenants/:tenant_id/limits', async (request) => {
    const { tenant_id: tenantId } = parseInput(tenantParams, request.params, 'path');
    return tenantAdmin.getTenantLimits(tenantId);
  });

  // Body: {"LIMIT_REST_PER_MINUTE": 500, "LIMIT_AI_REQUESTS_PER_WEEK": null}; null restores the default.
  server.patch('/api/v1/admin/tenants/:tenant_id/limits', async (request) => {
    const { tenant_id: tenantId } = parseInput(tenantParams, request.params, 'path');
    const body = parseInput(z.record(z.string(), z.number().int().min(0).nullable()), request.body);
    // Every name is checked before any is written, so a refused request changes nothing.
    const unknown = Object.keys(body).filter((name) => !isLimitName(name));
    if (unknown.length > 0) {
      throw new AppError('VALIDATION_FAILED', {
        message: `Unknown limit ${unknown.join(', ')}; the limits are ${LIMIT_NAMES.join(', ')}.`,
        details: { problems: unknown.map((field) => ({ field, problem: 'not a limit name' })) },
      });
    }
    let result = await tenantAdmin.getTenantLimits(tenantId);
    for (const [name, value] of Object.entries(body)) {
      result = await tenantAdmin.setTenantLimit({ tenantId, name, value });
    }
    return result;
  });
}
