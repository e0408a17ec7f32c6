import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveJwtSecret } from './jwt-secret.ts';

describe('the JWT secret', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'cai-jwt-secret-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('is JWT_SECRET when set, and then no file is written', async () => {
    const secret = 'x'.repeat(40);
    expect(await resolveJwtSecret({ JWT_SECRET: secret, DATA_DIR: directory })).toBe(secret);
    await expect(stat(join(directory, 'jwt-secret'))).rejects.toThrow(/ENOENT/);
  });

  it('is otherwise generated once into DATA_DIR/jwt-secret, readable by its owner only', async () => {
    const dataDirectory = join(directory, 'nested', 'data');
    const first = await resolveJwtSecret({ DATA_DIR: dataDirectory });
    expect(first.length).toBeGreaterThanOrEqual(32);
    const file = join(dataDirectory, 'jwt-secret');
    expect((await readFile(file, 'utf8')).trim()).toBe(first);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await resolveJwtSecret({ DATA_DIR: dataDirectory })).toBe(first);
  });

  it('is the same for processes that start together', async () => {
    const secrets = await Promise.all(
      Array.from({ length: 8 }, () => resolveJwtSecret({ DATA_DIR: directory })),
    );
    expect(new Set(secrets).size).toBe(1);
  });

  it('refuses a file too short to be a secret', async () => {
    await writeFile(join(directory, 'jwt-secret'), 'short\n');
    await expect(resolveJwtSecret({ DATA_DIR: directory })).rejects.toThrow(/JWT_SECRET/);
  });
});
