// DATABASE_URL → what to open. `sqlite:PATH` (`sqlite::memory:` for a private in-memory
// database) or `postgres://…` / `postgresql://…`, where a `schema=NAME` query parameter
// (ours, not libpq's) puts every table in that schema, created when missing.

export type DatabaseTarget =
  | { dialect: 'sqlite'; path: string; memory: boolean }
  | { dialect: 'postgres'; connectionString: string; schema: string | undefined };

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function parseDatabaseUrl(url: string): DatabaseTarget {
  const text = url.trim();
  if (text.startsWith('sqlite:')) {
    // Also accept the URL-looking sqlite://relative and sqlite:///absolute spellings.
    let path = text.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw new Error('DATABASE_URL: expected sqlite:PATH, such as sqlite:./data/cai.db');
    return { dialect: 'sqlite', path, memory: path === ':memory:' };
  }
  if (/^postgres(ql)?:\/\//.test(text)) {
    const parsed = new URL(text);
    const schema = parsed.searchParams.get('schema') ?? undefined;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new Error(`DATABASE_URL: schema must match ${SCHEMA_NAME.source}`);
    }
    parsed.searchParams.delete('schema');
    return { dialect: 'postgres', connectionString: parsed.toString(), schema };
  }
  throw new Error('DATABASE_URL: expected sqlite:PATH or postgres://USER@HOST:PORT/DATABASE');
}
