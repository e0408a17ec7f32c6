import type { BareRelayProcess } from '../lib/bare-relay-process.ts';
import type { CaiServer, StartCaiOptions } from '../lib/cai-server.ts';
import type { PortkeyProcess } from '../lib/portkey-process.ts';
import type { DetailTable, ResultRow } from '../lib/results-table.ts';
import type { UpstreamProcess } from '../lib/upstream-process.ts';

// What every benchmark scenario is given and what it gives back. A scenario measures cai and the
// direct baseline in the same run and reports rows for the table plus its raw figures for the JSON.

export interface LoadLevel {
  concurrency: number;
  /** Streams each worker runs back to back. */
  rounds: number;
  /** Workers' first starts are spread over this long. */
  rampMs: number;
}

export interface VoiceLevel {
  /** Voice sessions speaking at once, each in its own conversation. */
  sessions: number;
  /** Measured turns per session (after the warm-up turns). */
  turns: number;
}

export interface BenchParameters {
  quick: boolean;
  paceMs: number;
  chunksPerStream: number;
  levels: LoadLevel[];
  idleConnections: number;
  idleBatch: number;
  streamTimeoutMs: number;
  nonStreaming: {
    /** Unmeasured requests per target first, at most this many and at most for this long. */
    warmUpRequests: number;
    warmUpBudgetMs: number;
    /** Requests per target at concurrency 1, sent in blocks that take turns between the targets. */
    latencyRequests: number;
    blockSize: number;
    /** A target whose requests took this long in all is not sent more. */
    latencyBudgetMs: number;
  };
  sweep: {
    concurrencies: number[];
    /** How long each target is loaded at each concurrency. */
    durationMs: number;
    boundsMs: number[];
    /** A target whose p99 exceeded this is not loaded at higher concurrency. */
    stopAboveP99Ms: number;
  };
  history: {
    /** Stored messages in each seeded conversation. */
    sizes: number[];
    /** Measured turns per size. */
    turns: number;
    /** Tokens each reply is capped at (`max_tokens`): the figure is the first one. */
    replyTokens: number;
    /** HISTORY_MAX_MESSAGES for the run: the budgeted window. */
    windowMessages: number;
  };
  voice: {
    levels: VoiceLevel[];
    warmUpTurns: number;
  };
}

/** The processes that serve the non-streaming scenarios, started once and shared by them. */
export interface NonStreamingServers {
  cai: CaiServer;
  /** Absent when Portkey could not start: `portkeyProblem` says why. */
  portkey?: PortkeyProcess;
  portkeyProblem?: string;
  /** The bare relay (the floor of one Node hop); absent when it could not start. */
  relay?: BareRelayProcess;
  /** Set by the first scenario that warmed them up, so the next does not again. */
  warmedUp: boolean;
}

export interface BenchContext {
  parameters: BenchParameters;
  tokens: string[];
  upstream: UpstreamProcess;
  /** The cai server the streaming scenarios share (started on first use). */
  cai(): Promise<CaiServer>;
  /** A cai server and Portkey for the non-streaming scenarios (started on first use). */
  nonStreamingServers(): Promise<NonStreamingServers>;
  /** A cai server of its own, stopped by the caller (for figures that need a fresh process). */
  startFreshCai(options?: Pick<StartCaiOptions, 'environment' | 'beforeStart'>): Promise<CaiServer>;
  nextRequestId(): string;
  log(message: string): void;
}

export interface ScenarioResult {
  name: string;
  /** Why the scenario did not run (never a made-up figure instead). */
  notRun?: string;
  rows: ResultRow[];
  /** Printed after the main table: figures by level (a sweep, a series). */
  tables?: DetailTable[];
  figures: unknown;
}

export interface Scenario {
  name: string;
  description: string;
  run(context: BenchContext): Promise<ScenarioResult>;
}
