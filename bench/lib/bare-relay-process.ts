import { join } from 'node:path';
import { startChild, firstJsonLine, type Child } from './child-process.ts';
import { repositoryRoot } from './cai-server.ts';
import { readCpuSeconds } from './proc.ts';

// The bare relay (bench/upstream/bare-relay-main.ts) in its own process: the floor of one Node hop
// between the upstream and a doc 000 client, measured beside cai in the same run.

export interface BareRelayProcess {
  child: Child;
  port: number;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startBareRelay(options: { upstreamBaseUrl: string }): Promise<BareRelayProcess> {
  const child = startChild({
    command: process.execPath,
    raiseFileLimit: true,
    args: [
      '--import',
      'tsx',
      join(repositoryRoot, 'bench', 'upstream', 'bare-relay-main.ts'),
      options.upstreamBaseUrl,
    ],
    cwd: repositoryRoot,
  });
  const { port } = await firstJsonLine<{ port: number }>(child, 20_000);
  return {
    child,
    port,
    cpuSeconds: () => readCpuSeconds(child.pid),
    async stop() {
      await child.stop(5_000);
    },
  };
}
