import type { Logger } from 'pino';
import type { Authenticator } from '../../auth/authenticator.ts';
import type { Bus } from '../../bus/bus.ts';
import type { Config } from '../../config.ts';
import type { ConversationEngine } from '../../core/conversation-engine.ts';
import type { RateLimits } from '../../limits/rate-limits.ts';
import type { Metrics } from '../../metrics.ts';
import type { Store } from '../../store/store.ts';
import type { VoiceEngines } from '../../voice/voice-engines.ts';
import type { ActiveTurns } from '../active-turns.ts';

// What app.ts gives every WebSocket protocol module. Modules build nothing themselves.

export interface WsDependencies {
  config: Config;
  logger: Logger;
  store: Store;
  engine: ConversationEngine;
  authenticator: Authenticator;
  rateLimits: RateLimits;
  metrics: Metrics;
  activeTurns: ActiveTurns;
  /** Speech engines for doc 001's voice session and doc 002's /voice routes; text never needs them. */
  voice: VoiceEngines;
  /** What processes share (memory in embedded mode, Redis in distributed mode): signaling's peers, relays. */
  bus: Bus;
}
