import { sleep } from '../lib/clock.ts';
import { measureLevel, warmUpOnce, type LevelFigures } from '../lib/non-streaming-load.ts';
import { nonStreamingTargets, type NonStreamingTarget } from '../lib/non-streaming-targets.ts';
import {
  formatMs,
  formatRate,
  formatRatio,
  verdict,
  type DetailTable,
  type ResultRow,
} from '../lib/results-table.ts';
import { RssSampler } from '../lib/rss-sampler.ts';
import { bestWithin } from '../lib/timed-load.ts';
import type { Scenario } from './scenario.ts';

// How throughput grows with concurrency: each target (the upstream directly, cai's two endpoints,
// Portkey, the bare relay) loaded closed-loop at concurrency 1, 2, 4 … 2,048 for a fixed time, the targets taking
// turns at each level. For each p99 bound, the most requests per second any level reached within
// it. The processes' memory is read before (idle), during (peak) and after the sweep; cai and the
// bare relay are loaded through every level whatever their latency, so that the relay's peak is
// the floor of what any Node process holding that many requests needs.

const PEER_RATIO_GOAL = 3;
const PEER_GOAL_BOUND_MS = 10;
const PEAK_RSS_GOAL_MB = 150;
const SETTLE_MS = 2_000;

const toMB = (kib: number) => (kib * 1024) / 1e6;
const formatMB = (kib: number | undefined) => (kib === undefined ? 'n/a' : `${toMB(kib).toFixed(1)} MB`);

export const concurrencySweep: Scenario = {
  name: 'concurrency-sweep',
  description: 'non-streaming requests/s at p99 bounds, concurrency 1 → 2,048, and RSS under that load',
  async run(context) {
    const servers = await context.nonStreamingServers();
    const targets = nonStreamingTargets({ upstream: context.upstream, ...servers });
    const { concurrencies, durationMs, boundsMs, stopAboveP99Ms } = context.parameters.sweep;
    await warmUpOnce(context, servers, targets);
    await sleep(SETTLE_MS);

    const processes: Record<string, number> = {
      cai: servers.cai.pid,
      upstream: context.upstream.child.pid,
      ...(servers.portkey ? { portkey: servers.portkey.pid } : {}),
      ...(servers.relay ? { relay: servers.relay.pid } : {}),
    };
    const rss = () =>
      Object.fromEntries(
        Object.entries({
          cai: servers.cai.rssKiB,
          upstream: context.upstream.rssKiB,
          ...(servers.portkey ? { portkey: servers.portkey.rssKiB } : {}),
          ...(servers.relay ? { relay: servers.relay.rssKiB } : {}),
        }).map(([name, read]) => [name, read()]),
      );
    const idle = rss();
    const sampler = new RssSampler(processes);
    sampler.start();
    const levels: LevelFigures[] = [];
    // A target other than cai is loaded at the next level only while its p99 stays near the bounds:
    // in a closed loop latency only grows with concurrency, and a slow one would take minutes at 2,048.
    const stoppedAt = new Map<NonStreamingTarget['name'], LevelFigures>();
    let peak: Record<string, number> = {};
    try {
      for (const concurrency of concurrencies) {
        const running = targets.filter((target) => !stoppedAt.has(target.name));
        if (running.length === 0) break;
        context.log(
          `concurrency-sweep: concurrency ${concurrency}: ${running.map((target) => target.name).join(', ')}`,
        );
        for (const target of running) {
          const level = await measureLevel({ target, concurrency, durationMs });
          levels.push(level);
          // cai and the relay go on whatever their latency: the memory goal is about the whole
          // sweep's load, and the relay's memory under it is the floor.
          const loadedThroughout = target.role === 'cai' || target.role === 'floor';
          const tooSlow = !loadedThroughout && !(level.latency.p99 <= stopAboveP99Ms);
          if (level.failed > 0 || tooSlow) stoppedAt.set(target.name, level);
        }
      }
    } finally {
      peak = sampler.stop();
    }
    await sleep(SETTLE_MS);
    const after = rss();

    const byTarget = (name: NonStreamingTarget['name']) => levels.filter((level) => level.target === name);
    const stopped = (name: NonStreamingTarget['name']) => stoppedAt.get(name);
    // The memory goal is about the whole sweep: a cai that was stopped early was not under that load.
    const caiReached = Math.max(
      0,
      ...levels.filter((level) => level.target.startsWith('cai ')).map((level) => level.concurrency),
    );
    const rows: ResultRow[] = [
      ...throughputRows({
        byTarget,
        stopped,
        boundsMs,
        endpoint: 'cai /v1/chat/completions',
        withPeer: true,
      }),
      ...throughputRows({ byTarget, stopped, boundsMs, endpoint: 'cai /api/v1/ai/chat', withPeer: false }),
      ...memoryRows({
        idle,
        peak,
        after,
        withPeer: servers.portkey !== undefined,
        withFloor: servers.relay !== undefined,
        caiReached,
        top: Math.max(...concurrencies),
      }),
    ];
    return {
      name: this.name,
      rows,
      tables: [sweepTable({ targets, levels, stoppedAt, stopAboveP99Ms })],
      figures: {
        boundsMs,
        stopAboveP99Ms,
        levels,
        stoppedAt: Object.fromEntries([...stoppedAt].map(([name, level]) => [name, level.concurrency])),
        rssKiB: { idle, peak, after },
        portkeyProblem: servers.portkeyProblem ?? null,
      },
    };
  },
};

function throughputRows(options: {
  byTarget: (name: NonStreamingTarget['name']) => LevelFigures[];
  stopped: (name: NonStreamingTarget['name']) => LevelFigures | undefined;
  boundsMs: number[];
  endpoint: 'cai /v1/chat/completions' | 'cai /api/v1/ai/chat';
  withPeer: boolean;
}): ResultRow[] {
  const { byTarget, stopped, boundsMs, endpoint, withPeer } = options;
  const cai = byTarget(endpoint);
  const direct = byTarget('direct');
  const peer = byTarget('portkey');
  const floor = byTarget('bare relay');
  const measuredPeer = peer.length > 0;
  const describe = (best: LevelFigures | undefined, name: NonStreamingTarget['name']) => {
    if (best) return `${formatRate(best.requestsPerSecond)} (c=${best.concurrency})`;
    const last = stopped(name);
    if (!last) return 'none';
    return last.failed > 0
      ? `none (stopped at c=${last.concurrency}: ${last.failed} failed)`
      : `none (stopped at c=${last.concurrency}: p99 ${formatMs(last.latency.p99)})`;
  };
  return boundsMs.map((bound) => {
    const caiBest = bestWithin(cai, bound);
    const directBest = bestWithin(direct, bound);
    const peerBest = bestWithin(peer, bound);
    const caiRate = caiBest?.requestsPerSecond ?? 0;
    const goalRow = withPeer && bound === PEER_GOAL_BOUND_MS;
    const peerRate = peerBest?.requestsPerSecond ?? 0;
    return {
      scenario: `sweep ${endpoint.replace('cai ', '')}`,
      metric: `requests/s at p99 ≤ ${bound} ms`,
      cai: describe(caiBest, endpoint),
      ...(withPeer ? { peer: measuredPeer ? describe(peerBest, 'portkey') : 'not run' } : {}),
      ...(floor.length > 0 ? { floor: describe(bestWithin(floor, bound), 'bare relay') } : {}),
      direct: describe(directBest, 'direct'),
      comparison: directBest ? formatRatio(caiRate / directBest.requestsPerSecond) : 'n/a',
      ...(goalRow
        ? {
            goal: !measuredPeer
              ? `≥ ${PEER_RATIO_GOAL}× portkey (portkey not measured)`
              : peerRate > 0
                ? `≥ ${PEER_RATIO_GOAL}× portkey (≥ ${formatRate(PEER_RATIO_GOAL * peerRate)})`
                : `≥ ${PEER_RATIO_GOAL}× portkey (portkey: none within ${bound} ms)`,
            met: verdict(measuredPeer && caiRate > 0 && caiRate >= PEER_RATIO_GOAL * peerRate),
          }
        : { goal: '', met: '' as const }),
    };
  });
}

function memoryRows(options: {
  idle: Record<string, number>;
  peak: Record<string, number>;
  after: Record<string, number>;
  withPeer: boolean;
  withFloor: boolean;
  /** The highest concurrency cai was loaded at, and the sweep's. */
  caiReached: number;
  top: number;
}): ResultRow[] {
  const { caiReached, top } = options;
  const row = (metric: string, values: Record<string, number>, goal?: boolean): ResultRow => {
    const cai = values.cai ?? Number.NaN;
    const met = goal ? verdict(toMB(cai) <= PEAK_RSS_GOAL_MB && caiReached >= top) : ('' as const);
    return {
      scenario: 'memory non-stream',
      metric,
      cai: goal ? `${formatMB(values.cai)} (cai loaded to c=${caiReached})` : formatMB(values.cai),
      ...(options.withPeer ? { peer: formatMB(values.portkey) } : {}),
      ...(options.withFloor ? { floor: formatMB(values.relay) } : {}),
      direct: `${formatMB(values.upstream)} (upstream)`,
      comparison: formatRatio(cai / (values.upstream ?? Number.NaN)),
      goal: goal ? `≤ ${PEAK_RSS_GOAL_MB} MB through c=${top.toLocaleString('en-US')}` : '',
      met,
    };
  };
  return [
    row('RSS idle (after warm-up)', options.idle),
    row('RSS peak under the sweep', options.peak, true),
    row(`RSS after load (+${SETTLE_MS / 1000} s)`, options.after),
  ];
}

function sweepTable(options: {
  targets: readonly NonStreamingTarget[];
  levels: readonly LevelFigures[];
  stoppedAt: ReadonlyMap<NonStreamingTarget['name'], LevelFigures>;
  stopAboveP99Ms: number;
}): DetailTable {
  const rows: string[][] = [];
  for (const target of options.targets) {
    for (const level of options.levels.filter((entry) => entry.target === target.name)) {
      const stopped = options.stoppedAt.get(target.name) === level;
      rows.push([
        target.name,
        String(level.concurrency),
        formatRate(level.requestsPerSecond),
        formatMs(level.latency.p50),
        formatMs(level.latency.p99),
        String(level.failed),
        `${level.cpuMicrosPerRequest} µs`,
        formatMs(level.clientLoopDelayP99Ms),
        stopped ? `stopped: p99 > ${options.stopAboveP99Ms} ms or failures` : '',
      ]);
    }
  }
  return {
    title: 'concurrency sweep (non-streaming, closed loop)',
    headers: [
      'target',
      'concurrency',
      'requests/s',
      'p50',
      'p99',
      'failed',
      'CPU/request',
      'client loop p99',
      'note',
    ],
    rows,
  };
}
