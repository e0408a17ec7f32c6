// Runs a voice engine as a child process. This is the one place that owns the lifecycle:
// a timeout, abort, an output cap, and a SIGKILL on every way out, so that an engine adapter
// only builds arguments and reads bytes.
import { spawn } from 'node:child_process';
import {
  EngineFailedError,
  EngineOutputTooLargeError,
  EngineTimeoutError,
  EngineUnavailableError,
} from './engine-errors.ts';

const STDERR_TAIL_CHARS = 4096;

export interface ChildProcessOptions {
  /** Shown in errors: `espeak-ng`. */
  engine: string;
  /** The install command for EngineUnavailableError: `apt-get install espeak-ng`. */
  install?: string;
  command: string;
  args?: readonly string[];
  /** Written to stdin, which is then closed. */
  input?: Uint8Array;
  timeoutMs: number;
  signal?: AbortSignal;
  maxOutputBytes?: number;
  /** Called with the process id once it runs (tests use it to check the process is gone). */
  onSpawn?: (pid: number) => void;
}

export interface ChildProcessResult {
  stdout: Uint8Array;
  stderr: string;
}

/**
 * Yields stdout as it arrives and returns the stderr tail. Nothing is spawned until the first
 * `next()`; when the generator ends for any reason (completion, error, the consumer stopping early)
 * the process is killed and reaped before control returns.
 */
export async function* streamChildProcess(
  options: ChildProcessOptions,
): AsyncGenerator<Uint8Array, { stderr: string }, undefined> {
  options.signal?.throwIfAborted();
  const child = spawn(options.command, options.args ?? [], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => {
      if (child.pid === undefined) resolve();
    });
  });
  if (child.pid !== undefined) options.onSpawn?.(child.pid);

  const queue: Uint8Array[] = [];
  let stderr = '';
  let outputBytes = 0;
  let failure: Error | undefined;
  let closed = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const kill = () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
      child.kill('SIGKILL');
  };
  const fail = (error: Error) => {
    failure ??= error;
    kill();
    notify();
  };

  child.on('error', (error: NodeJS.ErrnoException) => {
    fail(
      error.code === 'ENOENT'
        ? new EngineUnavailableError({ engine: options.engine, install: options.install, cause: error })
        : new EngineFailedError({
            engine: options.engine,
            exitCode: null,
            exitSignal: null,
            stderrTail: error.message,
            cause: error,
          }),
    );
  });
  child.stdout.on('data', (chunk: Buffer) => {
    outputBytes += chunk.length;
    if (options.maxOutputBytes !== undefined && outputBytes > options.maxOutputBytes) {
      fail(new EngineOutputTooLargeError({ engine: options.engine, maxOutputBytes: options.maxOutputBytes }));
      return;
    }
    queue.push(chunk);
    notify();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_TAIL_CHARS);
  });
  child.on('close', (exitCode: number | null, exitSignal: NodeJS.Signals | null) => {
    if (exitCode !== 0 && child.pid !== undefined) {
      failure ??= new EngineFailedError({ engine: options.engine, exitCode, exitSignal, stderrTail: stderr });
    }
    closed = true;
    notify();
  });
  // The engine may exit without reading all its input; that shows up as its exit status instead.
  child.stdin.on('error', () => {});
  child.stdin.end(
    options.input === undefined
      ? undefined
      : Buffer.from(options.input.buffer, options.input.byteOffset, options.input.byteLength),
  );

  // Only the engine's own time counts: a slow consumer of finished output is not a timeout.
  const timer = setTimeout(() => {
    if (!closed) fail(new EngineTimeoutError({ engine: options.engine, timeoutMs: options.timeoutMs }));
  }, options.timeoutMs);
  const onAbort = () => fail(toError(options.signal?.reason));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // Aborted while starting (onSpawn may abort): the listener above would never fire.
  if (options.signal?.aborted === true) onAbort();

  try {
    for (;;) {
      if (failure !== undefined) throw failure;
      const chunk = queue.shift();
      if (chunk !== undefined) {
        yield chunk;
        continue;
      }
      if (closed) return { stderr };
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    kill();
    await exited;
  }
}

/** Runs to completion and collects stdout. */
export async function runChildProcess(options: ChildProcessOptions): Promise<ChildProcessResult> {
  const chunks: Uint8Array[] = [];
  const stream = streamChildProcess(options);
  for (;;) {
    const next = await stream.next();
    if (next.done === true) return { stdout: Buffer.concat(chunks), stderr: next.value.stderr };
    chunks.push(next.value);
  }
}

function toError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  return new DOMException('The operation was aborted.', 'AbortError');
}
