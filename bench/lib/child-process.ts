import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

// Starting and stopping the benchmark's child processes, always by their own pid.

export interface Child {
  process: ChildProcess;
  pid: number;
  /** The last lines it wrote on stderr (and stdout, with `tailStdout`), for error messages. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export function startChild(options: {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Read stdout into the tail too. A child whose stdout nobody reads blocks once the pipe is full
   * (Node writes to pipes synchronously), so every child that logs there needs this.
   */
  tailStdout?: boolean;
  /** Runs it with the open-file limit raised to the hard limit (servers of thousands of sockets). */
  raiseFileLimit?: boolean;
}): Child {
  const [command, args] = options.raiseFileLimit
    ? [
        'sh',
        ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', options.command, ...options.args],
      ]
    : [options.command, options.args];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${options.command}`);
  const stderr: string[] = [];
  const keep = (line: string) => {
    stderr.push(line);
    if (stderr.length > 40) stderr.shift();
  };
  createInterface({ input: child.stderr! }).on('line', keep);
  if (options.tailStdout) createInterface({ input: child.stdout! }).on('line', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping: Promise<number | null> | undefined;
  return {
    process: child,
    pid: child.pid,
    stderrTail: () => stderr.join('\n'),
    stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      stopping ??= (async () => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      })();
      return stopping;
    },
  };
}

/** The first stdout line of a child, parsed as JSON (how the upstream process says where it listens). */
export function firstJsonLine<T>(child: Child, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.process.stdout! });
    const timer = setTimeout(
      () => reject(new Error(`no answer in ${timeoutMs} ms: ${child.stderrTail()}`)),
      timeoutMs,
    );
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as T);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    child.process.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}: ${child.stderrTail()}`));
    });
  });
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs a command to its end and answers its stdout; rejects on a non-zero exit. */
export function runToEnd(options: {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (part: Buffer) => (stdout += part.toString('utf8')));
    child.stderr.on('data', (part: Buffer) => (stderr += part.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${options.args.join(' ')} exited with ${code}: ${stderr}`)),
    );
  });
}
