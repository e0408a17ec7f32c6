import { ConfigError } from '../config.ts';

/** Any failure as the one line the CLI prints: config problems joined, never a stack. */
export function describeFailure(error: unknown): string {
  if (error instanceof ConfigError) return `invalid configuration: ${error.problems.join('; ')}`;
  if (error instanceof Error) return error.message.replace(/\s*\n\s*/g, ' ');
  return String(error);
}

/** A mistake in how the command was called, reported like the rest. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
