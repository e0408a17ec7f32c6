import { startBareRelay, type BareRelayProcess } from '../lib/bare-relay-process.ts';
import type { ResultRow } from '../lib/results-table.ts';
import type { StreamFigures } from '../lib/stream-figures.ts';
import { comparisonRows, measureDirect, mostConcurrentRow } from './streaming-comparison.ts';
import type { BenchContext, LoadLevel } from './scenario.ts';

// The level loop both streaming scenarios run: at each load level the upstream directly, then
// cai, then the bare relay (the floor of one Node hop) when it started; then the rows comparing
// them and the "most streams" row.

export interface LevelFigures {
  concurrency: number;
  direct: StreamFigures;
  cai: StreamFigures;
  floor: StreamFigures | null;
}

/** The bare relay for a floor column, or undefined (said in the log) when it does not start. */
export function startFloorRelay(context: BenchContext, label: string): Promise<BareRelayProcess | undefined> {
  return startBareRelay({ upstreamBaseUrl: context.upstream.baseUrl }).catch((error: unknown) => {
    context.log(`${label}: the bare relay did not start (${(error as Error).message})`);
    return undefined;
  });
}

export async function compareLevelByLevel(options: {
  context: BenchContext;
  /** The scenario's name in the log (`stream-sse`) and its rows' label (`sse`). */
  scenario: string;
  label: string;
  measureCai: (level: LoadLevel) => Promise<StreamFigures>;
  /** The bare relay at a level; none when it did not start. */
  measureFloor?: (level: LoadLevel) => Promise<StreamFigures>;
}): Promise<{ rows: ResultRow[]; figures: LevelFigures[] }> {
  const { context, scenario, label, measureCai, measureFloor } = options;
  const { paceMs } = context.parameters;
  const rows: ResultRow[] = [];
  const figures: LevelFigures[] = [];
  const measured: Array<{
    level: LoadLevel;
    direct: StreamFigures;
    cai: StreamFigures;
    floor?: StreamFigures;
  }> = [];
  for (const level of context.parameters.levels) {
    context.log(`${scenario}: concurrency ${level.concurrency}, direct`);
    const direct = await measureDirect(context, level);
    context.log(`${scenario}: concurrency ${level.concurrency}, cai`);
    const cai = await measureCai(level);
    let floor: StreamFigures | undefined;
    if (measureFloor) {
      context.log(`${scenario}: concurrency ${level.concurrency}, bare relay`);
      floor = await measureFloor(level);
    }
    figures.push({ concurrency: level.concurrency, direct, cai, floor: floor ?? null });
    measured.push({ level, direct, cai, ...(floor ? { floor } : {}) });
    rows.push(...comparisonRows({ label, level, cai, direct, ...(floor ? { floor } : {}), paceMs }));
  }
  rows.push(mostConcurrentRow({ label, measured, paceMs }));
  return { rows, figures };
}
