import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

// A cai server as a real child process (`node --import tsx src/main.ts`: one process, so `kill -9`
// ends the server itself, as a crash would), for tests of several nodes. It listens on a free
// loopback port; its JSON log lines are kept for the test to read.

const ROOT = join(import.meta.dirname, '..', '..');
const START_TIMEOUT_MS = 60_000;

export interface CaiProcess {
  child: ChildProcess;
  baseUrl: string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Every log line printed so far, parsed. */
  logs: Array<Record<string, unknown>>;
  /** kill -9: no shutdown, no cleanup, as when a machine is lost. */
  crash(): Promise<void>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export async function startCaiProcess(
  environment: Record<string, string>,
  /** What node runs: the sources through tsx unless a test runs a build (scripts/server-build.ts). */
  nodeArguments: readonly string[] = ['--import', 'tsx', 'src/main.ts'],
): Promise<CaiProcess> {
  const child = spawn(process.execPath, nodeArguments, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      ...environment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs: Array<Record<string, unknown>> = [];
  let errors = '';
  let pending = '';
  let announceAddress: (address: string) => void = () => undefined;
  const listening = new Promise<string>((resolve) => (announceAddress = resolve));
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      logs.push(entry);
      if (entry['msg'] === 'cai is listening') announceAddress(String(entry['address']));
    }
  });

  let timer: NodeJS.Timeout | undefined;
  const address = await Promise.race([
    listening,
    exited.then(() => undefined),
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), START_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (address === undefined) {
    child.kill('SIGKILL');
    throw new Error(
      `cai did not start:\n${errors}\n${logs.map((entry) => JSON.stringify(entry)).join('\n')}`,
    );
  }

  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    baseUrl: address,
    exited,
    logs,
    async crash() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (running()) child.kill('SIGTERM');
      await exited;
    },
  };
}
