import Fastify, { type FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerWebAppRoutes } from './web-app-routes.ts';

// /app/ serves a static export (a stand-in here, shaped like Next's) with a policy that lets
// exactly the page's own inline scripts run; without an export it answers a 503 that says what to do.

const BOOT_SCRIPT = 'self.__next_f=self.__next_f||[]';
const INDEX = `<!DOCTYPE html><html><head><script src="/app/_next/static/chunks/main-1a2b.js" async=""></script></head>
<body><main>cai</main><script>${BOOT_SCRIPT}</script></body></html>`;

/** The export sits in `<base>/out`, so `<base>/outside.txt` is one `..` away. */
let base: string;
let directory: string;
let server: FastifyInstance;

function writeExport(): void {
  mkdirSync(path.join(directory, '_next', 'static', 'chunks'), { recursive: true });
  writeFileSync(path.join(directory, 'index.html'), INDEX);
  writeFileSync(path.join(directory, '404.html'), '<!DOCTYPE html><html><body>Not here</body></html>');
  writeFileSync(path.join(directory, '_next', 'static', 'chunks', 'main-1a2b.js'), 'console.log(1)');
}

async function start(): Promise<void> {
  // As the real server: trailing slashes ignored (http-server.ts).
  server = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  await registerWebAppRoutes(server, { directory });
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

beforeEach(() => {
  base = mkdtempSync(path.join(tmpdir(), 'cai-web-out-'));
  directory = path.join(base, 'out');
  mkdirSync(directory);
});

afterEach(async () => {
  await server.close();
  rmSync(base, { recursive: true, force: true });
});

describe('the web app under /app/', () => {
  it('serves the page with a policy that allows its own inline script by hash, and no other', async () => {
    writeExport();
    await start();
    const response = await server.inject({ url: '/app/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toBe(INDEX);
    const policy = String(response.headers['content-security-policy']);
    expect(policy).toContain(`script-src 'self' ${sha256(BOOT_SCRIPT)};`);
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toContain('unsafe-eval');
    expect(policy).toContain("connect-src 'self' ws: wss:");
    expect(policy).toContain("object-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toBe('no-cache');
  });

  it('moves /app to /app/, keeping the query', async () => {
    writeExport();
    await start();
    const response = await server.inject({ url: '/app?from=link' });
    expect(response.statusCode).toBe(301);
    expect(response.headers.location).toBe('/app/?from=link');
  });

  it("serves Next's hashed assets as immutable, with nosniff", async () => {
    writeExport();
    await start();
    const response = await server.inject({ url: '/app/_next/static/chunks/main-1a2b.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it("answers an unknown path under /app/ with the export's 404 page", async () => {
    writeExport();
    await start();
    const response = await server.inject({ url: '/app/no/such/page' });
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('Not here');
    expect(response.headers['content-security-policy']).toBeDefined();
  });

  it('never serves a file from outside the export', async () => {
    writeExport();
    writeFileSync(path.join(base, 'outside.txt'), 'PRIVATE CONTENT');
    await start();
    for (const url of [
      '/app/../outside.txt',
      '/app/%2e%2e/outside.txt',
      '/app/..%2foutside.txt',
      '/app/%2e%2e%2foutside.txt',
    ]) {
      const response = await server.inject({ url });
      expect(response.statusCode, url).not.toBe(200);
      expect(response.body, url).not.toContain('PRIVATE CONTENT');
    }
  });

  it('answers 503 with how to build it while there is no export, and serves one built later without a restart', async () => {
    await start();
    const missing = await server.inject({ url: '/app/' });
    expect(missing.statusCode).toBe(503);
    expect(missing.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(missing.body).toContain('npm run build:web');
    expect(missing.headers['x-content-type-options']).toBe('nosniff');
    expect(String(missing.headers['content-security-policy'])).toContain("script-src 'self'");

    writeExport();
    const built = await server.inject({ url: '/app/' });
    expect(built.statusCode).toBe(200);
    expect(built.body).toBe(INDEX);
  });

  it('follows a rebuilt page: the policy names the new inline script', async () => {
    writeExport();
    await start();
    await server.inject({ url: '/app/' });
    const rebuilt = INDEX.replace(BOOT_SCRIPT, `${BOOT_SCRIPT};self.__next_f.push([1])`);
    writeFileSync(path.join(directory, 'index.html'), rebuilt);
    const response = await server.inject({ url: '/app/' });
    expect(String(response.headers['content-security-policy'])).toContain(
      sha256(`${BOOT_SCRIPT};self.__next_f.push([1])`),
    );
  });
});
