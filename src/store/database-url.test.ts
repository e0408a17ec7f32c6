import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from './database-url.ts';

describe('parseDatabaseUrl', () => {
  it('reads a SQLite path', () => {
    expect(parseDatabaseUrl('sqlite:./data/cai.db')).toEqual({
      dialect: 'sqlite',
      path: './data/cai.db',
      memory: false,
    });
    expect(parseDatabaseUrl('sqlite:///var/lib/cai.db')).toMatchObject({ path: '/var/lib/cai.db' });
  });

  it('reads an in-memory SQLite database', () => {
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({
      dialect: 'sqlite',
      path: ':memory:',
      memory: true,
    });
  });

  it('reads a PostgreSQL URL and takes the schema parameter out of it', () => {
    expect(
      parseDatabaseUrl('postgresql://user:secret@db:5432/cai?schema=tenant_data&sslmode=require'),
    ).toEqual({
      dialect: 'postgres',
      connectionString: 'postgresql://user:secret@db:5432/cai?sslmode=require',
      schema: 'tenant_data',
    });
    expect(parseDatabaseUrl('postgres://postgres@127.0.0.1:5432/test')).toMatchObject({ schema: undefined });
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => parseDatabaseUrl('postgres://h/d?schema=a;drop')).toThrow(/schema/);
  });

  it('refuses other schemes and an empty path', () => {
    expect(() => parseDatabaseUrl('mysql://h/d')).toThrow(/sqlite:PATH or postgres/);
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(/sqlite:PATH/);
  });
});
