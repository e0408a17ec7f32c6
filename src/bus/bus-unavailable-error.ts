import { AppError } from '../core/errors.ts';

// What every bus call rejects with when Redis cannot serve it (unreachable, too slow, or the bus
// closed). It is the registry's SERVICE_UNAVAILABLE (503, retryable), so a transport can answer it
// like any other AppError; the type lets a caller pick its own fallback (see docs/scaling.md).

export class BusUnavailableError extends AppError {
  constructor(options: { message?: string; cause?: unknown } = {}) {
    super('SERVICE_UNAVAILABLE', {
      message: options.message ?? 'The bus (Redis) is unreachable; retry shortly.',
      cause: options.cause,
    });
    this.name = 'BusUnavailableError';
  }
}

export function isBusUnavailable(error: unknown): error is BusUnavailableError {
  return error instanceof BusUnavailableError;
}
