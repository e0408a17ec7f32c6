import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { repositoryRoot } from '../lib/cai-server.ts';
import { doc000Url, doc004Url, openGreeted } from '../lib/cai-ws-client.ts';
import { firstJsonLine, startChild } from '../lib/child-process.ts';
import { sleep } from '../lib/clock.ts';
import { readOpenFileLimit, readRssKiB } from '../lib/proc.ts';
import { formatRatio, verdict, type ResultRow } from '../lib/results-table.ts';
import type { Scenario } from './scenario.ts';

// Idle WebSocket connections: a fresh cai process, its RSS before and after opening many greeted
// connections (in batches: a burst of thousands of SYNs on loopback overflows the accept queue),
// against a bare `ws` server doing the same (the floor any Node WebSocket server pays).

const GOAL_KIB = 8;
// File descriptors this process keeps for everything else.
const RESERVED_FDS = 256;
const SETTLE_MS = 2_000;

export interface IdleFigures {
  protocol: string;
  target: number;
  opened: number;
  failed: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  kibPerConnection: number;
  openSeconds: number;
}

async function openMany(options: {
  url: () => string;
  greeting: string;
  target: number;
  batch: number;
  pid: number;
}): Promise<{ sockets: WebSocket[]; figures: IdleFigures }> {
  // One connection first so that whatever is set up on first use is not counted per connection.
  (await openGreeted({ url: options.url(), greeting: options.greeting, timeoutMs: 5_000 })).close();
  await sleep(SETTLE_MS);
  const rssBeforeKiB = readRssKiB(options.pid);
  const sockets: WebSocket[] = [];
  let failed = 0;
  const started = Date.now();
  while (sockets.length + failed < options.target) {
    const size = Math.min(options.batch, options.target - sockets.length - failed);
    const results = await Promise.allSettled(
      Array.from({ length: size }, () =>
        openGreeted({ url: options.url(), greeting: options.greeting, timeoutMs: 15_000 }),
      ),
    );
    for (const result of results) {
      if (result.status === 'fulfilled') sockets.push(result.value);
      else failed += 1;
    }
    // Stop early rather than hammer a server that refuses.
    if (failed > options.target / 10) break;
    await sleep(10);
  }
  const openSeconds = (Date.now() - started) / 1000;
  await sleep(SETTLE_MS);
  const rssAfterKiB = readRssKiB(options.pid);
  return {
    sockets,
    figures: {
      protocol: options.greeting,
      target: options.target,
      opened: sockets.length,
      failed,
      rssBeforeKiB,
      rssAfterKiB,
      kibPerConnection: Math.round(((rssAfterKiB - rssBeforeKiB) / Math.max(1, sockets.length)) * 100) / 100,
      openSeconds: Math.round(openSeconds * 10) / 10,
    },
  };
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  for (const socket of sockets) socket.terminate();
  await sleep(200);
}

export const idleConnections: Scenario = {
  name: 'idle-ws',
  description: 'server RSS per idle WebSocket connection (doc 000, else doc 004)',
  async run(context) {
    const fdLimit = readOpenFileLimit();
    const target = Math.min(context.parameters.idleConnections, fdLimit - RESERVED_FDS);
    const cai = await context.startFreshCai();
    let caiResult: { sockets: WebSocket[]; figures: IdleFigures } | undefined;
    const refusals: string[] = [];
    try {
      const candidates = [
        { name: 'doc 000 WS /', greeting: 'CONNECTED', url: () => doc000Url(cai) },
        {
          name: 'doc 004 WS /ws/chat',
          greeting: 'connection_established',
          url: () => doc004Url({ ...cai, userId: 'bench' }),
        },
      ];
      for (const candidate of candidates) {
        try {
          context.log(`idle-ws: ${candidate.name}, ${target} connections`);
          caiResult = await openMany({
            url: candidate.url,
            greeting: candidate.greeting,
            target,
            batch: context.parameters.idleBatch,
            pid: cai.pid,
          });
          caiResult.figures.protocol = candidate.name;
          break;
        } catch (error) {
          refusals.push(`${candidate.name}: ${(error as Error).message}`);
        }
      }
      if (caiResult) await closeAll(caiResult.sockets);
    } finally {
      await cai.stop();
    }
    if (!caiResult) {
      const notRun = `not run: no WebSocket protocol served yet (${refusals.join('; ')})`;
      context.log(`idle-ws: ${notRun}`);
      return { name: this.name, notRun, rows: [], figures: { refusals } };
    }

    context.log(`idle-ws: bare ws server, ${caiResult.figures.opened} connections`);
    const bare = startChild({
      command: process.execPath,
      raiseFileLimit: true,
      args: ['--import', 'tsx', join(repositoryRoot, 'bench', 'upstream', 'bare-ws-main.ts')],
      cwd: repositoryRoot,
    });
    let bareFigures: IdleFigures;
    try {
      const { port } = await firstJsonLine<{ port: number }>(bare, 20_000);
      const bareResult = await openMany({
        url: () => `ws://127.0.0.1:${port}/`,
        greeting: 'CONNECTED',
        target: caiResult.figures.opened,
        batch: context.parameters.idleBatch,
        pid: bare.pid,
      });
      bareFigures = { ...bareResult.figures, protocol: 'bare ws' };
      await closeAll(bareResult.sockets);
    } finally {
      await bare.stop(5_000);
    }

    const { figures } = caiResult;
    const reached = `${figures.opened}/${context.parameters.idleConnections}`;
    const rows: ResultRow[] = [
      {
        scenario: `idle ${figures.protocol}`,
        metric: `connections open (target; fd limit ${fdLimit})`,
        cai: reached,
        direct: `${bareFigures.opened}`,
        comparison: '',
        goal: String(context.parameters.idleConnections),
        met: verdict(figures.opened >= context.parameters.idleConnections),
      },
      {
        scenario: `idle ${figures.protocol}`,
        metric: 'RSS per idle connection',
        cai: `${figures.kibPerConnection.toFixed(2)} KiB`,
        direct: `${bareFigures.kibPerConnection.toFixed(2)} KiB (bare ws)`,
        // At a few hundred connections the heap's own growth and shrinking can outweigh them.
        comparison:
          bareFigures.kibPerConnection > 0
            ? formatRatio(figures.kibPerConnection / bareFigures.kibPerConnection)
            : 'n/a (baseline ≤ 0: noise)',
        goal: `≤ ${GOAL_KIB} KiB`,
        met: verdict(figures.kibPerConnection <= GOAL_KIB),
      },
    ];
    return { name: this.name, rows, figures: { fdLimit, cai: figures, bare: bareFigures } };
  },
};
