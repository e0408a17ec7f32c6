import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildServer } from '../../scripts/server-build.ts';
import { serverNodeFlags } from '../../scripts/server-node-flags.ts';
import { benchmarkEnvironment, repositoryRoot, waitUntilHealthy } from '../lib/cai-server.ts';
import { freePort, runToEnd, startChild } from '../lib/child-process.ts';
import { readCpuSeconds } from '../lib/proc.ts';

// cai as the benchmark runs it (bench/lib/cai-server.ts), built from any checkout: so that a probe
// can serve two versions side by side (this tree and an older one) and compare them in the same
// minutes of a shared machine. Each bundle has a file of its own, apart from the benchmark's.

export interface ProbeServer {
  name: string;
  pid: number;
  port: number;
  apiKey: string;
  tenantId: string;
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
  /** More environment for cai, e.g. where a preloaded reporter writes. */
  environment?: NodeJS.ProcessEnv;
}): Promise<ProbeServer> {
  const root = resolve(options.root);
  // Built and run as npm start builds and runs this tree (scripts/server-build.ts, the node flags
  // of package.json), whichever checkout it is, so that two versions differ only in their code.
  const bundlePath = await buildServer({
    root,
    outdir: join(root, 'node_modules', '.cache', 'cai-probe', options.name),
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'cai-probe-'));
  const port = await freePort();
  const environment = {
    ...benchmarkEnvironment({ port, dataDir, upstreamUrl: options.upstreamUrl }),
    ...options.environment,
  };
  const created = JSON.parse(
    await runToEnd({
      command: process.execPath,
      args: [join(root, 'bin', 'cai.js'), 'tenant', 'create', '--name', 'probe', '--json'],
      env: environment,
      cwd: dataDir,
    }),
  ) as { api_key: string; tenant_id: string };
  const child = startChild({
    command: process.execPath,
    args: [
      ...(options.profileDirectory
        ? ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDirectory, options.name)}`]
        : []),
      ...serverNodeFlags(),
      ...(options.nodeArguments ?? []),
      bundlePath,
    ],
    env: environment,
    cwd: dataDir,
    tailStdout: true,
  });
  await waitUntilHealthy({ baseUrl: `http://127.0.0.1:${port}`, child });
  return {
    name: options.name,
    pid: child.pid,
    port,
    apiKey: created.api_key,
    tenantId: created.tenant_id,
    cpuSeconds: () => readCpuSeconds(child.pid),
    async stop() {
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * This tree's cai (`this`) and, given `against`, another checkout's beside it (`against`), each
 * with the node arguments and environment `perServer` gives it (allocation-reporting.ts). If the
 * second does not start, the first is stopped before the error goes on.
 */
export async function startComparedServers(options: {
  upstreamUrl: string;
  against: string | undefined;
  profileDirectory: string | undefined;
  perServer: (name: string) => { nodeArguments: string[]; environment: NodeJS.ProcessEnv };
}): Promise<ProbeServer[]> {
  const start = (root: string, name: string) =>
    startProbeServer({
      root,
      name,
      upstreamUrl: options.upstreamUrl,
      ...(options.profileDirectory === undefined ? {} : { profileDirectory: options.profileDirectory }),
      ...options.perServer(name),
    });
  const servers = [await start(repositoryRoot, 'this')];
  if (options.against === undefined) return servers;
  try {
    servers.push(await start(options.against, 'against'));
  } catch (error) {
    await servers[0]!.stop();
    throw error;
  }
  return servers;
}
