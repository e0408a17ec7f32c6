import { join } from 'node:path';
import { build } from 'esbuild';
import { serverNodeFlags } from '../../scripts/server-node-flags.ts';
import { startChild, firstJsonLine, type Child } from './child-process.ts';
import { repositoryRoot } from './cai-server.ts';
import { readCpuSeconds, readRssKiB } from './proc.ts';

// The bare relay (bench/upstream/bare-relay-main.ts) in its own process: the floor of one Node hop
// between the upstream and a client, measured beside cai in the same run. It is bundled and run by
// plain node with package.json's node flags, as cai is, so that its memory compares with cai's
// (under tsx a process carries 50–60 MB of loader and transformed sources).

const bundlePath = join(repositoryRoot, 'node_modules', '.cache', 'cai-bench', 'bare-relay.mjs');

export interface BareRelayProcess {
  child: Child;
  pid: number;
  port: number;
  cpuSeconds(): number;
  rssKiB(): number;
  stop(): Promise<void>;
}

export async function startBareRelay(options: { upstreamBaseUrl: string }): Promise<BareRelayProcess> {
  await build({
    entryPoints: [join(repositoryRoot, 'bench', 'upstream', 'bare-relay-main.ts')],
    outfile: bundlePath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  const child = startChild({
    command: process.execPath,
    raiseFileLimit: true,
    args: [...serverNodeFlags(), bundlePath, options.upstreamBaseUrl],
    cwd: repositoryRoot,
  });
  const { port } = await firstJsonLine<{ port: number }>(child, 20_000);
  return {
    child,
    pid: child.pid,
    port,
    cpuSeconds: () => readCpuSeconds(child.pid),
    rssKiB: () => readRssKiB(child.pid),
    async stop() {
      await child.stop(5_000);
    },
  };
}
