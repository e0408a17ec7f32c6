import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { registerAdminRoutes } from './admin-routes.ts';
import { registerAiChatRoutes } from './ai-chat-routes.ts';
import { registerAuthTokenRoutes } from './auth-token-routes.ts';
import { registerChatRoutes } from './chat-routes.ts';
import { installErrorHandler } from './error-handler.ts';
import { registerHealthRoutes } from './health-routes.ts';
import type { HttpDependencies } from './http-dependencies.ts';
import { registerMetricsRoutes } from './metrics-routes.ts';
import { registerOpenAiCompatibleRoutes } from './openai-compatible-routes.ts';
import { installTenantGuard } from './tenant-guard.ts';
import { registerVoiceRoutes } from './voice-routes.ts';
import { registerWebrtcRoutes } from './webrtc-routes.ts';
import { registerWebAppRoutes } from './web-app-routes.ts';
import { lazySchemaCompilers } from './schema-compilers.ts';

// The Fastify server: encapsulated plugins, one per kind of caller. Public (health, metrics),
// tenant (authenticated and rate limited), admin (ADMIN_API_KEY).

export async function createHttpServer(
  dependencies: HttpDependencies & { logger: Logger },
): Promise<FastifyInstance> {
  const { config } = dependencies;
  const server = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance's type the default one.
    loggerInstance: dependencies.logger as FastifyBaseLogger,
    // A log line per request costs on the hot path; DEBUG turns them on (URLs are redacted: src/logger.ts).
    logController: new LogController({ disableRequestLogging: !config.DEBUG }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    // Doc 004 writes `POST /api/v1/chats/` with the slash; the same routes answer without it.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    genReqId: () => randomUUID(),
    // Keep-alive sockets that sit idle would otherwise hold `close()` (and SIGTERM) open.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    schemaController: { compilersFactory: lazySchemaCompilers },
  });
  installErrorHandler(server);
  registerMetricsRoutes(server, dependencies);
  registerHealthRoutes(server, dependencies);

  await server.register(async (tenantScope) => {
    installTenantGuard(tenantScope, dependencies);
    registerChatRoutes(tenantScope, dependencies);
    registerAiChatRoutes(tenantScope, dependencies);
    registerAuthTokenRoutes(tenantScope, dependencies);
    await registerVoiceRoutes(tenantScope, dependencies);
    await registerOpenAiCompatibleRoutes(tenantScope, dependencies);
  });
  await server.register(async (adminScope) => {
    registerAdminRoutes(adminScope, dependencies);
  });
  await registerWebrtcRoutes(server, dependencies);
  await registerWebAppRoutes(server);
  return server;
}
