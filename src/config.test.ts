import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readEnvironment } from './config.ts';

const run = promisify(execFile);

function problemsOf(environment: Record<string, string>): string[] {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it("needs no settings at all: embedded mode on SQLite with the documents' defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8000,
      HOST: '0.0.0.0',
      DATABASE_URL: 'sqlite:./data/cai.db',
      SAMPLE_RATE: 16000,
      CHUNK_SIZE: 1024,
      LIMIT_REST_PER_MINUTE: 100,
      LIMIT_AI_REQUESTS_PER_WEEK: 100,
      LIMIT_WS_MESSAGES_PER_SECOND: 10,
      LIMIT_CONNECTIONS_PER_TENANT: 50,
    });
    expect(config.OPENAI_API_KEY).toBeUndefined();
  });

  it("reads the documents' spellings: DEBUG=True, LOG_LEVEL=INFO", () => {
    const config = loadConfig({ DEBUG: 'True', LOG_LEVEL: 'INFO', PORT: '9000' });
    expect(config.DEBUG).toBe(true);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.PORT).toBe(9000);
  });

  it('takes DATABASE_URL as sqlite:PATH or postgres://', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.db' }).DATABASE_URL).toBe('sqlite:/tmp/x.db');
    expect(loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/cai' }).DATABASE_URL).toBe(
      'postgres://u@127.0.0.1:5432/cai',
    );
    expect(problemsOf({ DATABASE_URL: 'mysql://x' })[0]).toMatch(/^DATABASE_URL: expected sqlite:PATH/);
  });

  it('names every bad variable, and why', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DEBUG: 'maybe',
      LIMIT_REST_PER_MINUTE: '-1',
      OLLAMA_BASE_URL: 'not a url',
    });
    expect(problems).toHaveLength(4);
    expect(problems.find((line) => line.startsWith('PORT:'))).toContain('"eighty"');
    expect(problems.find((line) => line.startsWith('DEBUG:'))).toContain('true or false');
    expect(problems.find((line) => line.startsWith('LIMIT_REST_PER_MINUTE:'))).toContain('at least 0');
    expect(problems.find((line) => line.startsWith('OLLAMA_BASE_URL:'))).toBeDefined();
  });

  it('never echoes a secret it refuses', () => {
    const problems = problemsOf({ JWT_SECRET: 'short-secret-value' });
    expect(problems[0]).toMatch(/^JWT_SECRET: expected at least 32 characters/);
    expect(problems[0]).not.toContain('short-secret-value');
  });

  it('reads .env under the real environment, which wins', () => {
    const directory = mkdtempSync(join(tmpdir(), 'cai-env-'));
    try {
      const envFile = join(directory, '.env');
      writeFileSync(envFile, 'PORT=9100\nHOST=127.0.0.1\n');
      const config = loadConfig(readEnvironment({ HOST: '::1' }, envFile));
      expect(config.PORT).toBe(9100);
      expect(config.HOST).toBe('::1');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('npm start with a bad setting', () => {
  it('stops with a message naming the variable', async () => {
    const failure = await run(process.execPath, ['node_modules/.bin/tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: 'seventy', DATABASE_URL: 'sqlite::memory:' },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('PORT: expected a whole number');
  });
});
