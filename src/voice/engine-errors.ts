// Failures of a voice engine run as a child process. They are AppErrors so that any transport
// answers them with a stable code; stderr is kept on the error for logs, never in its message.
import { AppError } from '../core/errors.ts';

export class EngineUnavailableError extends AppError {
  readonly engine: string;
  readonly install: string | undefined;

  constructor(options: { engine: string; install?: string; cause?: unknown }) {
    super('SERVICE_UNAVAILABLE', {
      message: `The voice engine ${options.engine} is not installed on this server.`,
      details:
        options.install === undefined
          ? { engine: options.engine }
          : { engine: options.engine, install: options.install },
      cause: options.cause,
    });
    this.name = 'EngineUnavailableError';
    this.engine = options.engine;
    this.install = options.install;
  }
}

export class EngineFailedError extends AppError {
  readonly engine: string;
  readonly exitCode: number | null;
  readonly exitSignal: string | null;
  /** The last few kilobytes the engine wrote to stderr. */
  readonly stderrTail: string;

  constructor(options: {
    engine: string;
    exitCode: number | null;
    exitSignal: string | null;
    stderrTail: string;
    cause?: unknown;
  }) {
    const how =
      options.exitSignal === null ? `exit code ${options.exitCode}` : `signal ${options.exitSignal}`;
    super('INTERNAL_ERROR', {
      message: `The voice engine ${options.engine} failed (${how}).`,
      cause: options.cause,
    });
    this.name = 'EngineFailedError';
    this.engine = options.engine;
    this.exitCode = options.exitCode;
    this.exitSignal = options.exitSignal;
    this.stderrTail = options.stderrTail;
  }
}

export class EngineTimeoutError extends AppError {
  readonly engine: string;
  readonly timeoutMs: number;

  constructor(options: { engine: string; timeoutMs: number }) {
    super('SERVICE_UNAVAILABLE', {
      message: `The voice engine ${options.engine} did not finish within ${options.timeoutMs} ms.`,
    });
    this.name = 'EngineTimeoutError';
    this.engine = options.engine;
    this.timeoutMs = options.timeoutMs;
  }
}

export class EngineOutputTooLargeError extends AppError {
  readonly engine: string;
  readonly maxOutputBytes: number;

  constructor(options: { engine: string; maxOutputBytes: number }) {
    super('PAYLOAD_TOO_LARGE', {
      message: `The voice engine ${options.engine} produced more than ${options.maxOutputBytes} bytes.`,
    });
    this.name = 'EngineOutputTooLargeError';
    this.engine = options.engine;
    this.maxOutputBytes = options.maxOutputBytes;
  }
}
