import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaiProcess, type CaiProcess } from '../test/support/cai-process.ts';
import { buildServer, REPOSITORY_ROOT } from './server-build.ts';
import { serverNodeFlags } from './server-node-flags.ts';

// The server as `npm start` runs it: built by esbuild, run by plain node with package.json's flags.

describe('the server build', () => {
  // Inside the checkout, as dist/server/ is: the packages the build leaves out resolve from there.
  const cache = path.join(REPOSITORY_ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(path.join(cache, 'cai-server-build-test-'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cai-server-build-data-'));
  let entry: string;
  let cai: CaiProcess | undefined;

  beforeAll(async () => {
    entry = await buildServer({ outdir });
  });
  afterAll(async () => {
    await cai?.stop();
    rmSync(outdir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps each module its own import.meta.url, so paths relative to a source file still resolve', () => {
    const bundle = readFileSync(entry, 'utf8');
    const webAppRoutes = path.join(REPOSITORY_ROOT, 'src', 'transports', 'http', 'web-app-routes.ts');
    expect(bundle).toContain(JSON.stringify(pathToFileURL(webAppRoutes).href));
    expect(bundle).not.toContain('import.meta.url');
  });

  it.each(['ioredis', '@ai-sdk/deepgram', '@ai-sdk/elevenlabs'])(
    'keeps %s out of the entry, in a chunk loaded on first use',
    (name) => {
      const imports = (file: string) => readFileSync(file, 'utf8').includes(`from "${name}"`);
      expect(imports(entry)).toBe(false);
      const chunks = path.join(outdir, 'chunks');
      const chunkFiles = readdirSync(chunks).filter((file) => file.endsWith('.mjs'));
      expect(chunkFiles.some((file) => imports(path.join(chunks, file)))).toBe(true);
    },
  );

  it.each([
    '@ai-sdk/anthropic',
    '@ai-sdk/openai',
    '@ai-sdk/cerebras',
    '@ai-sdk/groq',
    '@ai-sdk/openai-compatible',
  ])('imports the model provider package %s only where a configured provider needs it', (name) => {
    const bundle = readFileSync(entry, 'utf8');
    expect(bundle).not.toContain(`from "${name}"`);
    expect(bundle).toContain(`import("${name}")`);
  });

  it('runs with the node flags of package.json: /health, Silero found in node_modules, the web app from web/out', async () => {
    cai = await startCaiProcess(
      { DATA_DIR: dataDir, DATABASE_URL: `sqlite:${path.join(dataDir, 'cai.db')}` },
      [...serverNodeFlags(), entry],
    );
    const health = await fetch(`${cai.baseUrl}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { voice: Record<string, unknown> };
    expect(body.voice['voice_activity_detection']).toEqual({ available: true, engine: 'silero-vad' });
    const built = existsSync(path.join(REPOSITORY_ROOT, 'web', 'out', 'index.html'));
    expect((await fetch(`${cai.baseUrl}/app/`)).status).toBe(built ? 200 : 503);
  });
});
