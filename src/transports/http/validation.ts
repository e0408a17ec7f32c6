import type { z } from 'zod';
import { AppError } from '../../core/errors.ts';

/**
 * Parses at the edge: anything that does not fit the schema is a 400 whose details say which field
 * and why. Schemas are made once, at module level: zod compiles a parser for each object schema on
 * its first use, which costs tens of microseconds, so a schema made per request costs that each time.
 */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  what = 'body',
): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : what,
    problem: issue.message,
  }));
  const first = problems[0];
  throw new AppError('VALIDATION_FAILED', {
    message: first ? `Invalid ${what}: ${first.field}: ${first.problem}` : `Invalid ${what}.`,
    details: { problems },
  });
}
