import type { Authenticator, Principal } from '../../auth/authenticator.ts';
import type { TenantAdmin } from '../../auth/tenant-admin.ts';
import type { Bus } from '../../bus/bus.ts';
import type { Config } from '../../config.ts';
import type { ConversationEngine } from '../../core/conversation-engine.ts';
import type { RateLimits } from '../../limits/rate-limits.ts';
import type { Metrics } from '../../metrics.ts';
import type { Store } from '../../store/store.ts';
import type { VoiceEngines } from '../../voice/voice-engines.ts';
import type { ActiveTurns } from '../active-turns.ts';

// What the HTTP routes are given by app.ts. Routes build nothing themselves.

export interface ModelCatalog {
  /** Models a client may name, `provider:model`, the default first. */
  list(): Array<{ id: string; provider: string }>;
}

export interface HttpDependencies {
  config: Config;
  store: Store;
  engine: ConversationEngine;
  authenticator: Authenticator;
  tenantAdmin: TenantAdmin;
  rateLimits: RateLimits;
  metrics: Metrics;
  models: ModelCatalog;
  activeTurns: ActiveTurns;
  /** Speech engines for doc 001's voice session and doc 002's /voice routes; text never needs them. */
  voice: VoiceEngines;
  /** Open client connections (streams and sockets), for doc 001's `active_connections`. */
  activeConnections: () => number;
  /** What processes share: the signaling peers that `/api/v1/webrtc/peers` and `/stats` list. */
  bus: Bus;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook of the routes that need one. */
    principal: Principal | null;
  }
}
