import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { sleep } from '../lib/clock.ts';
import { freePort, runToEnd, startChild, type Child } from '../lib/child-process.ts';
import { readCpuSeconds } from '../lib/proc.ts';

// cai as the benchmark runs it (bench/lib/cai-server.ts), built from any checkout: so that a probe
// can serve two versions side by side (this tree and an older one) and compare them in the same
// minutes of a shared machine. Each bundle has a file of its own, apart from the benchmark's.

export interface ProbeServer {
  name: string;
  pid: number;
  port: number;
  apiKey: string;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startProbeServer(options: {
  /** The checkout to build (its src/main.ts, its bin/cai.js, its node_modules). */
  root: string;
  name: string;
  upstreamUrl: string;
  profileDirectory?: string;
  /** More flags for node, e.g. `--perf-basic-prof` for `perf record`. */
  nodeArguments?: string[];
}): Promise<ProbeServer> {
  const root = resolve(options.root);
  const bundlePath = join(root, 'node_modules', '.cache', 'cai-probe', `${options.name}.mjs`);
  mkdirSync(join(root, 'node_modules', '.cache', 'cai-probe'), { recursive: true });
  await build({
    entryPoints: [join(root, 'src', 'main.ts')],
    outfile: bundlePath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'error',
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'cai-probe-'));
  const port = await freePort();
  const environment: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite:${join(dataDir, 'cai.db')}`,
    OPENAI_API_KEY: 'x',
    OPENAI_BASE_URL: options.upstreamUrl,
    DEFAULT_MODEL: 'openai:bench',
    MODEL_MAX_RETRIES: '0',
    LIMIT_REST_PER_MINUTE: '0',
    LIMIT_AI_REQUESTS_PER_WEEK: '0',
  };
  const created = JSON.parse(
    await runToEnd({
      command: process.execPath,
      args: [join(root, 'bin', 'cai.js'), 'tenant', 'create', '--name', 'probe', '--json'],
      env: environment,
      cwd: dataDir,
    }),
  ) as { api_key: string };
  const child = startChild({
    command: process.execPath,
    args: [
      ...(options.profileDirectory
        ? ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDirectory, options.name)}`]
        : []),
      ...(options.nodeArguments ?? []),
      bundlePath,
    ],
    env: environment,
    cwd: dataDir,
    tailStdout: true,
  });
  await waitUntilHealthy(`http://127.0.0.1:${port}`, child);
  return {
    name: options.name,
    pid: child.pid,
    port,
    apiKey: created.api_key,
    cpuSeconds: () => readCpuSeconds(child.pid),
    async stop() {
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitUntilHealthy(baseUrl: string, child: Child): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`cai exited: ${child.stderrTail()}`);
    try {
      const response = await fetch(`${baseUrl}/health`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`cai did not become healthy in 20 s: ${child.stderrTail()}`);
}
