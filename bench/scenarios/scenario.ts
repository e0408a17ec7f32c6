import type { CaiServer } from '../lib/cai-server.ts';
import type { ResultRow } from '../lib/results-table.ts';
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

export interface BenchParameters {
  quick: boolean;
  paceMs: number;
  chunksPerStream: number;
  levels: LoadLevel[];
  idleConnections: number;
  idleBatch: number;
  streamTimeoutMs: number;
}

export interface BenchContext {
  parameters: BenchParameters;
  tokens: string[];
  upstream: UpstreamProcess;
  /** The cai server the streaming scenarios share (started on first use). */
  cai(): Promise<CaiServer>;
  /** A cai server of its own, stopped by the caller (for figures that need a fresh process). */
  startFreshCai(): Promise<CaiServer>;
  nextRequestId(): string;
  log(message: string): void;
}

export interface ScenarioResult {
  name: string;
  /** Why the scenario did not run (never a made-up figure instead). */
  notRun?: string;
  rows: ResultRow[];
  figures: unknown;
}

export interface Scenario {
  name: string;
  description: string;
  run(context: BenchContext): Promise<ScenarioResult>;
}
