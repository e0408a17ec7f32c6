import type { FastifyInstance } from 'fastify';
import { createAuthenticator } from './auth/authenticator.ts';
import { CredentialCachingStore } from './auth/credential-cache.ts';
import { jwtSettingsFrom } from './auth/jwt.ts';
import { resolveJwtSecret } from './auth/jwt-secret.ts';
import { createTenantAdmin } from './auth/tenant-admin.ts';
import type { Config } from './config.ts';
import { ConversationEngine } from './core/conversation-engine.ts';
import { createRateLimits } from './limits/rate-limits.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { ModelRegistry, type ModelRegistryOptions } from './models/model-registry.ts';
import { createStore } from './store/create-store.ts';
import type { Store } from './store/store.ts';
import { ActiveTurns } from './transports/active-turns.ts';
import { createHttpServer } from './transports/http/http-server.ts';
import { buildWsProtocols } from './transports/ws/protocols.ts';
import { createWsLayer } from './transports/ws/ws-layer.ts';
import { createVoiceEngines } from './voice/create-voice-engines.ts';
import { createBus } from './bus/create-bus.ts';
import { createKeyRevocations } from './bus/key-revocations.ts';
import { lastingSubscription } from './bus/lasting-subscription.ts';
import { SharedConnectionCounter } from './limits/shared-connection-counter.ts';

// The one place where the parts are built and wired (DESIGN.md, Architecture).

/** After the drain, how long finished responses get to reach slow clients before sockets are cut. */
const FLUSH_GRACE_MS = 1000;

export interface App {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: Store;
  readonly server: FastifyInstance;
  readonly models: ModelRegistry;
  /** Starts listening on HOST:PORT; answers the base URL. */
  listen(): Promise<string>;
  /** SIGTERM: stop accepting, let running streams finish up to SHUTDOWN_DRAIN_MS, store what was produced. */
  shutdown(): Promise<void>;
}

/** The AI SDK prints its warnings to the console by default; cai's logs are JSON lines. */
function routeAiSdkWarnings(logger: Logger): void {
  globalThis.AI_SDK_LOG_WARNINGS = (options) => {
    logger.warn(
      { warnings: options.warnings, provider: options.provider, model: options.model },
      'model warning',
    );
  };
}

export interface BuildAppOptions {
  config: Config;
  logger?: Logger;
  /** Test seams for the model registry (offline model pace, retry sleeps). */
  models?: Omit<ModelRegistryOptions, 'config'>;
}

export async function buildApp(options: BuildAppOptions): Promise<App> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  // Settings that name a voice provider without its key stop the start before anything is opened.
  const voice = createVoiceEngines(config, { logger });
  // Keys and tenants read on every request are kept for REVOCATION_CHECK_MS, the bound within
  // which a revocation by another process is promised to take effect (docs/scaling.md).
  const opened = await createStore({ url: config.DATABASE_URL, logger, backgroundCheckpoints: true });
  const store = new CredentialCachingStore(opened, {
    ttlMs: config.REVOCATION_CHECK_MS,
  });
  const jwt = jwtSettingsFrom(config, await resolveJwtSecret(config));
  routeAiSdkWarnings(logger);
  const models = new ModelRegistry({
    config,
    offline: { tokenDelayMs: config.OFFLINE_MODEL_TOKEN_DELAY_MS },
    ...options.models,
  });
  for (const problem of models.problems())
    logger.warn({ problem }, 'model setting names a model this server cannot serve');

  const engine = new ConversationEngine({
    store,
    resolveModel: (name) => models.resolve(name),
    history: { maxMessages: config.HISTORY_MAX_MESSAGES, maxCharacters: config.HISTORY_MAX_CHARACTERS },
    maxPromptCharacters: config.MAX_PROMPT_CHARACTERS,
    maxOutputTokens: config.MODEL_MAX_OUTPUT_TOKENS,
    logger,
  });
  const activeTurns = new ActiveTurns();
  // Shared by the HTTP routes and the WebSocket layer (one rate-limit count, one metrics registry).
  const authenticator = createAuthenticator({ store, jwt });
  const tenantAdmin = createTenantAdmin({
    store,
    config,
    jwt,
    onListenerError: (error) => logger.warn({ err: error }, 'key revocation listener failed'),
  });
  // Distributed mode (REDIS_URL): rate limits, connection caps, presence and relays are global,
  // counted in Redis; embedded mode keeps them in this process (docs/scaling.md).
  // ioredis is imported only in that mode (create-bus.ts).
  const bus = await createBus({
    redisUrl: config.REDIS_URL,
    logger,
    keyPrefix: config.REDIS_KEY_PREFIX,
    ttlMs: config.BUS_TTL_MS,
  });
  const rateLimitClient =
    config.REDIS_URL === undefined
      ? undefined
      : (await import('./bus/redis-connection.ts')).createRedisClient({
          url: config.REDIS_URL,
          logger,
          name: 'rate-limits',
        });
  const rateLimits = createRateLimits(
    rateLimitClient === undefined
      ? { backend: 'memory' }
      : { backend: 'redis', client: rateLimitClient, keyPrefix: config.REDIS_KEY_PREFIX },
  );
  const connectionCounter =
    bus.kind === 'redis' ? new SharedConnectionCounter({ leases: bus.connections, logger }) : undefined;
  const revocations = createKeyRevocations({ bus, logger });
  const metrics = createMetrics();
  const server = await createHttpServer({
    config,
    logger,
    store,
    engine,
    authenticator,
    tenantAdmin,
    rateLimits,
    metrics,
    models: {
      list: () => models.list().map((listing) => ({ id: listing.name, provider: listing.provider })),
    },
    activeTurns,
    voice,
    bus,
    // Open sockets plus running streams (an SSE reply is a connection too).
    activeConnections: () => activeTurns.size + wsLayer.connectionCount(),
  });

  // WebSocket protocols, all on the one layer (src/transports/ws/ws-layer.ts), on the same port.
  const wsDependencies = {
    config,
    logger,
    store,
    engine,
    authenticator,
    rateLimits,
    metrics,
    activeTurns,
    voice,
    bus,
  };
  const wsLayer = createWsLayer({
    server: server.server,
    protocols: buildWsProtocols(wsDependencies),
    dependencies: wsDependencies,
    ...(connectionCounter === undefined ? {} : { connectionCounter }),
  });
  // A key revoked through the admin API closes its sockets at once; the layer's periodic check
  // catches revocations made by other processes (`npx cai key revoke`).
  // Other processes hear of it on the bus; the periodic check is the backstop when a broadcast is
  // lost (the bus delivers at most once).
  tenantAdmin.onKeyRevoked(({ keyId, tenantId }) => {
    wsLayer.closeKey(keyId);
    revocations.announce({ keyId, tenantId }).catch((error: unknown) => {
      logger.warn(
        { err: error, keyId },
        'key revocation not broadcast; other processes find it on their next check',
      );
    });
  });
  const stopHearingRevocations = await lastingSubscription({
    name: 'key revocations',
    logger,
    subscribe: () =>
      revocations.onRevoked(({ keyId }) => {
        store.forgetApiKey(keyId);
        wsLayer.closeKey(keyId);
      }),
  });

  let shuttingDown: Promise<void> | undefined;
  async function drain(): Promise<void> {
    logger.info({ activeTurns: activeTurns.size, drainMs: config.SHUTDOWN_DRAIN_MS }, 'shutting down');
    // Tell WebSocket clients first (close 1001); their sessions see onClose, and their running
    // replies finish or are interrupted below like every other stream.
    const socketsClosed = wsLayer.close();
    const closed = server.close();
    let deadline: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      activeTurns.whenIdle().then(() => true),
      new Promise<boolean>(
        (resolve) => (deadline = setTimeout(() => resolve(false), config.SHUTDOWN_DRAIN_MS)),
      ),
    ]);
    clearTimeout(deadline);
    if (!drained) {
      logger.warn({ activeTurns: activeTurns.size }, 'drain deadline reached: interrupting running streams');
      activeTurns.interruptAll();
      await activeTurns.whenIdle();
    }
    // Let the last frames of finished streams flush; only then cut whatever is still open.
    const flushed = await Promise.race([
      closed.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), FLUSH_GRACE_MS).unref()),
    ]);
    if (!flushed) server.server.closeAllConnections();
    // The HTTP server's close waits for upgraded sockets too; the layer ends them within its grace.
    await socketsClosed;
    await closed;
    await stopHearingRevocations();
    await bus.close();
    await rateLimitClient?.quit().catch(() => undefined);
    await store.close();
    logger.info('stopped');
  }

  return {
    config,
    logger,
    store,
    server,
    models,
    async listen() {
      return server.listen({ port: config.PORT, host: config.HOST });
    },
    shutdown() {
      shuttingDown ??= drain();
      return shuttingDown;
    },
  };
}
