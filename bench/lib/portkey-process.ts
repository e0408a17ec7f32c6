import { join } from 'node:path';
import { sleep } from './clock.ts';
import { freePort, startChild, type Child } from './child-process.ts';
import { repositoryRoot } from './cai-server.ts';
import { readCpuSeconds, readRssKiB } from './proc.ts';

// The peer gateway: Portkey's AI gateway (`@portkey-ai/gateway`, a dev dependency) as its own
// process, started by its published start script with nothing changed but where it listens
// (bench/peer/bind-loopback.mjs binds it to 127.0.0.1). It has no settings file: each request
// names the provider and the upstream in headers (`x-portkey-provider: openai`,
// `x-portkey-custom-host: <the upstream's base URL>`), which Portkey accepts for loopback hosts.

const startScript = join(
  repositoryRoot,
  'node_modules',
  '@portkey-ai',
  'gateway',
  'build',
  'start-server.js',
);
const bindLoopback = join(repositoryRoot, 'bench', 'peer', 'bind-loopback.mjs');

export interface PortkeyProcess {
  child: Child;
  pid: number;
  port: number;
  /** The headers that send a request through Portkey to the benchmark's upstream. */
  headers: Record<string, string>;
  rssKiB(): number;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startPortkey(options: { upstreamBaseUrl: string }): Promise<PortkeyProcess> {
  const port = await freePort();
  const child = startChild({
    command: process.execPath,
    args: ['--import', bindLoopback, startScript, `--port=${port}`, '--headless'],
    // Production: no web UI and no log-stream routes, as a deployment would run it.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' },
    cwd: repositoryRoot,
    tailStdout: true,
  });
  await waitUntilAnswering({ port, child });
  return {
    child,
    pid: child.pid,
    port,
    headers: {
      authorization: 'Bearer x',
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': options.upstreamBaseUrl,
    },
    rssKiB: () => readRssKiB(child.pid),
    cpuSeconds: () => readCpuSeconds(child.pid),
    async stop() {
      await child.stop(5_000);
    },
  };
}

/** Portkey answers `GET /` with a greeting once it listens (after its one-second start banner). */
async function waitUntilAnswering(options: { port: number; child: Child }): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (options.child.process.exitCode !== null) {
      throw new Error(`portkey exited with ${options.child.process.exitCode}: ${options.child.stderrTail()}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${options.port}/`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`portkey did not answer in 20 s: ${options.child.stderrTail()}`);
}
