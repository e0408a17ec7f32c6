// The one place that knows how each driver reports a unique-constraint violation.
// better-sqlite3: SqliteError with code SQLITE_CONSTRAINT_UNIQUE (or _PRIMARYKEY);
// pg: DatabaseError with SQLSTATE 23505.

const UNIQUE_VIOLATION_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY', '23505']);

export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && UNIQUE_VIOLATION_CODES.has(code);
}
