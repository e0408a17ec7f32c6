import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer } from '../../scripts/server-build.ts';
import { serverNodeFlags } from '../../scripts/server-node-flags.ts';
import { sleep } from './clock.ts';
import { freePort, runToEnd, startChild, type Child } from './child-process.ts';
import { readCpuSeconds, readRssKiB } from './proc.ts';

// cai under test: the real server as a child process, built and run as `npm start` runs it
// (scripts/server-build.ts, with the node flags of package.json: scripts/server-node-flags.ts), on
// a fresh SQLite file, every limit lifted, the OpenAI provider pointed at the benchmark's upstream.
// Its memory is read from /proc, so the load generator's never counts.

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
export const resultsDirectory = join(repositoryRoot, 'bench', 'results');
// A build of its own, apart from npm start's dist/server/ (linters and formatters leave
// node_modules alone; bench/lib/profile-summary.ts knows cai's code by this folder).
const buildDirectory = join(repositoryRoot, 'node_modules', '.cache', 'cai-bench');
const bundlePath = join(buildDirectory, 'cai.mjs');

export interface CaiServer {
  child: Child;
  pid: number;
  port: number;
  baseUrl: string;
  apiKey: string;
  tenantId: string;
  /** Its SQLite database (`sqlite:PATH`). */
  databaseUrl: string;
  rssKiB(): number;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Builds the server as npm start does, into the benchmark's own folder. */
export async function buildCaiBundle(): Promise<string> {
  const built = await buildServer({ outdir: buildDirectory });
  if (built !== bundlePath) throw new Error(`the server build wrote ${built}, not ${bundlePath}`);
  return bundlePath;
}

export interface StartCaiOptions {
  upstreamUrl: string;
  /** Extra settings (they win over the benchmark's). */
  environment?: Record<string, string>;
  /** Writes a V8 CPU profile of the server into this folder when it stops. */
  profileDirectory?: string;
  /** Runs once the database and the tenant exist, before the server starts (to seed data). */
  beforeStart?: (database: { databaseUrl: string; tenantId: string }) => Promise<void>;
}

/**
 * The settings cai runs with under measurement: loopback, warnings only, a fresh SQLite file in
 * `dataDir`, the OpenAI provider on the benchmark's upstream, no retries, every limit lifted.
 */
export function benchmarkEnvironment(options: {
  port: number;
  dataDir: string;
  upstreamUrl: string;
}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(options.port),
    LOG_LEVEL: 'warn',
    DATA_DIR: options.dataDir,
    DATABASE_URL: `sqlite:${join(options.dataDir, 'cai.db')}`,
    OPENAI_API_KEY: 'x',
    OPENAI_BASE_URL: options.upstreamUrl,
    DEFAULT_MODEL: 'openai:bench',
    MODEL_MAX_RETRIES: '0',
    LIMIT_REST_PER_MINUTE: '0',
    LIMIT_AI_REQUESTS_PER_WEEK: '0',
    LIMIT_CONNECTIONS_PER_TENANT: '0',
    LIMIT_WS_MESSAGES_PER_SECOND: '0',
    LIMIT_ANON_CONNECTIONS_PER_IP: '0',
    LIMIT_ANON_REQUESTS_PER_MINUTE: '0',
  };
}

export async function startCaiServer(options: StartCaiOptions): Promise<CaiServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cai-bench-'));
  const port = await freePort();
  const environment: NodeJS.ProcessEnv = {
    ...benchmarkEnvironment({ port, dataDir, upstreamUrl: options.upstreamUrl }),
    ...options.environment,
  };
  const databaseUrl = environment.DATABASE_URL as string;
  // The working directory is the temporary one, so no `.env` of the checkout leaks in.
  const created = JSON.parse(
    await runToEnd({
      command: process.execPath,
      args: [join(repositoryRoot, 'bin', 'cai.js'), 'tenant', 'create', '--name', 'bench', '--json'],
      env: environment,
      cwd: dataDir,
    }),
  ) as { tenant_id: string; api_key: string };
  await options.beforeStart?.({ databaseUrl, tenantId: created.tenant_id });

  const nodeArguments = [
    ...serverNodeFlags(),
    ...(options.profileDirectory ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDirectory}`] : []),
    bundlePath,
  ];
  const child = startChild({
    command: process.execPath,
    args: nodeArguments,
    // For the idle-connection scenario's thousands of sockets.
    raiseFileLimit: true,
    env: environment,
    cwd: dataDir,
    tailStdout: true,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilHealthy({ baseUrl, child });
  return {
    child,
    pid: child.pid,
    port,
    baseUrl,
    apiKey: created.api_key,
    tenantId: created.tenant_id,
    databaseUrl,
    rssKiB: () => readRssKiB(child.pid),
    cpuSeconds: () => readCpuSeconds(child.pid),
    async stop() {
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves once the server answers `GET /health` with 200; throws if it exits or takes over 20 s. */
export async function waitUntilHealthy(options: { baseUrl: string; child: Child }): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (options.child.process.exitCode !== null) {
      throw new Error(`cai exited with ${options.child.process.exitCode}: ${options.child.stderrTail()}`);
    }
    try {
      const response = await fetch(`${options.baseUrl}/health`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`cai did not become healthy in 20 s: ${options.child.stderrTail()}`);
}
