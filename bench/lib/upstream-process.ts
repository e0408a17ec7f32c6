import { join } from 'node:path';
import { startChild, firstJsonLine, type Child } from './child-process.ts';
import { repositoryRoot } from './cai-server.ts';
import { readCpuSeconds, readRssKiB } from './proc.ts';
import type { UpstreamTiming } from '../upstream/paced-upstream.ts';

// The paced upstream (bench/upstream/) in its own process.

export interface UpstreamProcess {
  child: Child;
  port: number;
  baseUrl: string;
  takeTimings(): Promise<UpstreamTiming[]>;
  cpuSeconds(): number;
  rssKiB(): number;
  stop(): Promise<void>;
}

export async function startUpstreamProcess(options: {
  chunks: string[];
  paceMs: number;
}): Promise<UpstreamProcess> {
  const child = startChild({
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      join(repositoryRoot, 'bench', 'upstream', 'upstream-main.ts'),
      JSON.stringify(options),
    ],
    cwd: repositoryRoot,
  });
  const { port, controlPort } = await firstJsonLine<{ port: number; controlPort: number }>(child, 20_000);
  return {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    async takeTimings() {
      const response = await fetch(`http://127.0.0.1:${controlPort}/bench/timings`);
      return (await response.json()) as UpstreamTiming[];
    },
    cpuSeconds: () => readCpuSeconds(child.pid),
    rssKiB: () => readRssKiB(child.pid),
    async stop() {
      await child.stop(5_000);
    },
  };
}
