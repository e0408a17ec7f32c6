import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { authenticateAdmin } from '../../auth/authenticator.ts';
import { readCredential } from '../../auth/credentials.ts';
import { AppError } from '../../core/errors.ts';
import { signalingHealth } from '../../signaling/signaling-health.ts';
import { listCompanyPeers, signalingStats } from '../../signaling/signaling-presence.ts';
import type { HttpDependencies } from './http-dependencies.ts';
import { requestLike } from './request-like.ts';
import { installTenantGuard, principalOf } from './tenant-guard.ts';
import { parseInput } from './validation.ts';

// Doc 002's WebRTC REST endpoints (docs/api/webrtc-signaling.md), each in the scope of its caller:
// - public: `GET /api/v1/webrtc/health`, for load balancers and monitors;
// - a company (API key, REST rate limit): `GET /webrtc/ice-servers`, `GET /webrtc/peers/{key}`;
// - the operator (ADMIN_API_KEY, since it spans companies): `GET /webrtc/stats`.
// Peers and stats come from the bus's presence, so every process answers for all of them.

const peersParams = z.object({ company_api_key: z.string().min(1).max(500) });

export async function registerWebrtcRoutes(
  server: FastifyInstance,
  dependencies: HttpDependencies,
): Promise<void> {
  const { bus, config, authenticator } = dependencies;

  server.get('/api/v1/webrtc/health', async (_request, reply) => {
    const health = await signalingHealth(bus);
    return reply.status(health.status === 'healthy' ? 200 : 503).send(health);
  });

  await server.register(async (companyScope) => {
    installTenantGuard(companyScope, dependencies);

    // TURN credentials may be among them, so only a company's callers see them.
    companyScope.get('/api/v1/webrtc/ice-servers', async () => ({ iceServers: config.ICE_SERVERS }));

    companyScope.get('/api/v1/webrtc/peers/:company_api_key', async (request) => {
      const principal = principalOf(request);
      const { company_api_key: pathKey } = parseInput(peersParams, request.params, 'path');
      // The guard took the first credential it found; when that was not the path's key, the path's
      // key must still be valid, and of the same company.
      if (readCredential(requestLike(request))?.source !== 'path') {
        const named = await authenticator.authenticate({ kind: 'api-key', value: pathKey, source: 'path' });
        if (named.tenantId !== principal.tenantId) {
          throw new AppError('NOT_FOUND', { message: 'No company with that key for these credentials.' });
        }
      }
      return {
        company_id: principal.tenantId,
        active_peers: await listCompanyPeers(bus.presence, principal.tenantId),
      };
    });
  });

  await server.register(async (adminScope) => {
    adminScope.addHook('onRequest', async (request) => {
      authenticateAdmin(readCredential(requestLike(request)), config.ADMIN_API_KEY);
    });
    adminScope.get('/api/v1/webrtc/stats', async () => signalingStats(bus.presence));
  });
}
