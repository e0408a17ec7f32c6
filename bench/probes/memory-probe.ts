// Where cai's memory goes: cai started as the benchmark starts it (bench/lib/cai-server.ts, so with
// package.json's node flags), with bench/probes/memory-report.mjs preloaded, and its memory read at
// each step: after start (/health answered), after a warm-up, in the middle of a closed-loop load,
// and after it. Each step shows VmRSS by mapping (/proc/self/smaps) and V8's heap by space, both as
// they stand and after full garbage collections (what is live).
//
//   npx tsx bench/probes/memory-probe.ts [--concurrency N] [--seconds S]
//
// Linux only (/proc). RSS moves far less with other work on the machine than CPU time does.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCaiBundle, startCaiServer, type CaiServer } from '../lib/cai-server.ts';
import { sleep } from '../lib/clock.ts';
import { checkAiChatReply, checkChatCompletion, sendJson, type JsonTarget } from '../lib/json-request.ts';
import { startUpstreamProcess } from '../lib/upstream-process.ts';

const argumentValue = (name: string) => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const concurrency = Number(argumentValue('--concurrency') ?? 2048);
const loadSeconds = Number(argumentValue('--seconds') ?? 6);
const PROMPT = 'Benchmark request: please reply.';
const reporter = fileURLToPath(new URL('./memory-report.mjs', import.meta.url));
const reportDirectory = mkdtempSync(join(tmpdir(), 'cai-memory-probe-'));

interface Report {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  spaces: Record<string, { size: number; used: number }>;
  mappings: Record<string, number>;
}

/** Asks the server for a report (MEMORY_REPORT_LIVE decides whether it collects garbage first). */
async function report(cai: CaiServer, live: boolean): Promise<Report> {
  const file = join(reportDirectory, live ? 'live.json' : 'as-is.json');
  rmSync(file, { force: true });
  process.kill(cai.pid, 'SIGUSR2');
  while (!existsSync(file)) await sleep(20);
  await sleep(20);
  return JSON.parse(readFileSync(file, 'utf8')) as Report;
}

function print(step: string, asIs: Report, live?: Report): void {
  const spaces = (r: Report) =>
    Object.entries(r.spaces)
      .map(([name, space]) => `${name.replace('_space', '')} ${space.used}/${space.size}`)
      .join(', ');
  console.log(`\n${step}: VmRSS ${asIs.rss} MiB`);
  console.log(
    `  by mapping: ${Object.entries(asIs.mappings)
      .map(([name, mib]) => `${name} ${mib}`)
      .join(', ')}`,
  );
  console.log(`  V8 heap (used/committed MiB): ${asIs.heapUsed}/${asIs.heapTotal}; ${spaces(asIs)}`);
  if (live)
    console.log(`  after full GCs: live ${live.heapUsed} MiB; ${spaces(live)}; VmRSS ${live.rss} MiB`);
}

await buildCaiBundle();
const upstream = await startUpstreamProcess({ chunks: ['hello ', 'world.'], paceMs: 20 });
// Two servers: one reports as its heap stands, the other collects garbage before each report, so
// that the collections never change what the first one shows next.
const start = (live: boolean) =>
  startCaiServer({
    upstreamUrl: upstream.baseUrl,
    environment: {
      NODE_OPTIONS: `--import ${reporter}`,
      MEMORY_REPORT_FILE: join(reportDirectory, live ? 'live.json' : 'as-is.json'),
      MEMORY_REPORT_LIVE: live ? '1' : '0',
    },
  });
const servers = { asIs: await start(false), live: await start(true) };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const targetsOf = (cai: CaiServer): JsonTarget[] => [
  {
    port: cai.port,
    path: '/v1/chat/completions',
    headers: { authorization: `Bearer ${cai.apiKey}` },
    body: json({ model: 'openai:bench', messages: [{ role: 'user', content: PROMPT }] }),
    check: checkChatCompletion,
  },
  {
    port: cai.port,
    path: '/api/v1/ai/chat',
    headers: { authorization: `Bearer ${cai.apiKey}` },
    body: json({ content: PROMPT }),
    check: checkAiChatReply,
  },
];

try {
  await sleep(1000);
  print('after start', await report(servers.asIs, false), await report(servers.live, true));

  for (const cai of Object.values(servers)) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (const target of targetsOf(cai))
      for (let index = 0; index < 300; index += 1) await sendJson(target, agent);
    agent.destroy();
  }
  await sleep(2000);
  print(
    'after a warm-up (600 requests one at a time, 2 s idle)',
    await report(servers.asIs, false),
    await report(servers.live, true),
  );

  // The same load on both, one after the other: its middle is reported.
  for (const [name, cai] of Object.entries(servers)) {
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
    const deadline = Date.now() + loadSeconds * 1000;
    let answered = 0;
    const midway = sleep((loadSeconds * 1000) / 2).then(() => report(cai, name === 'live'));
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        const target = targetsOf(cai)[worker % 2]!;
        while (Date.now() < deadline)
          if ((await sendJson(target, agent, 60_000)).error === undefined) answered += 1;
      }),
    );
    agent.destroy();
    const middle = await midway;
    if (name === 'asIs')
      print(`under ${concurrency} requests at once (${answered} answered in ${loadSeconds} s)`, middle);
    else console.log(`  after full GCs: live ${middle.heapUsed} MiB; VmRSS ${middle.rss} MiB`);
  }
  await sleep(2000);
  print('2 s after the load', await report(servers.asIs, false), await report(servers.live, true));
} finally {
  await Promise.all(Object.values(servers).map((cai) => cai.stop()));
  await upstream.stop();
  rmSync(reportDirectory, { recursive: true, force: true });
}
