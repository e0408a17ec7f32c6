import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentSecurityPolicy, inlineScriptHashes } from './web-app-content-security.ts';

// The browser app (docs/web-app.md): Next's static export in web/out/, served under /app/. Every
// response carries a Content-Security-Policy and nosniff. Without a build, /app/ answers a 503
// page that says how to make one, and the API is unaffected.

export const WEB_APP_PREFIX = '/app';
export const DEFAULT_WEB_APP_DIRECTORY = fileURLToPath(new URL('../../../web/out/', import.meta.url));

/** Next names these files by their content hash: they never change under the same name. */
const IMMUTABLE_PATH = `${path.sep}_next${path.sep}static${path.sep}`;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>cai: the web app is not built</title></head>
<body>
<h1>The web app is not built yet</h1>
<p>cai is running, but the browser app has not been built on this machine.</p>
<p>Run <code>npm run build:web</code> in the cai folder, then reload this page. (<code>npm start</code> builds it when it is missing.)</p>
<p>The API is not affected: see <a href="/health">/health</a>.</p>
</body>
</html>
`;

export interface WebAppOptions {
  /** The static export to serve (default: web/out/ of this checkout). */
  directory?: string;
}

export async function registerWebAppRoutes(
  server: FastifyInstance,
  options: WebAppOptions = {},
): Promise<void> {
  const directory = path.resolve(options.directory ?? DEFAULT_WEB_APP_DIRECTORY);
  const policies = new PagePolicies();

  await server.register(
    async (scope) => {
      // Checked per request, so a build made while cai runs is served without a restart.
      scope.addHook('onRequest', async (_request, reply) => {
        if (existsSync(path.join(directory, 'index.html'))) return;
        setSecurityHeaders(reply, contentSecurityPolicy([]));
        return reply
          .status(503)
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(NOT_BUILT_PAGE);
      });

      await scope.register(fastifyStatic, {
        root: directory,
        prefix: '/',
        redirect: true,
        index: ['index.html'],
        suppressWarning: true,
        cacheControl: false,
        setHeaders(reply, filePath) {
          const isPage = filePath.endsWith('.html');
          setSecurityHeaders(reply, contentSecurityPolicy(isPage ? policies.scriptHashes(filePath) : []));
          reply.header(
            'cache-control',
            filePath.includes(IMMUTABLE_PATH) ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
      });

      // The app's root, here because the server ignores trailing slashes (so the static wildcard
      // never sees `/app/`); `/app` itself moves to `/app/`, where the app's relative URLs work.
      scope.get('/', async (request, reply) => {
        const [pathname = '', query] = request.raw.url?.split(/\?(.*)/s) ?? [];
        if (!pathname.endsWith('/')) {
          return reply.redirect(`${pathname}/${query === undefined ? '' : `?${query}`}`, 301);
        }
        return reply.sendFile('index.html');
      });

      scope.setNotFoundHandler(async (_request, reply) => {
        const notFoundPage = path.join(directory, '404.html');
        const page = existsSync(notFoundPage) ? readFileSync(notFoundPage, 'utf8') : 'Not found';
        setSecurityHeaders(reply, contentSecurityPolicy(policies.scriptHashes(notFoundPage)));
        return reply
          .status(404)
          .header('cache-control', 'no-cache')
          .type('text/html; charset=utf-8')
          .send(page);
      });
    },
    { prefix: WEB_APP_PREFIX },
  );
}

function setSecurityHeaders(reply: FastifyReply, policy: string): void {
  reply.header('content-security-policy', policy);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  // The voice view asks for the microphone; nothing else may, and no frame of another site.
  reply.header('permissions-policy', 'microphone=(self), camera=(), geolocation=()');
}

/** Each page's inline-script hashes, read once per version of the file. */
class PagePolicies {
  readonly #cache = new Map<string, { version: string; hashes: string[] }>();

  scriptHashes(filePath: string): string[] {
    let version: string;
    try {
      const stat = statSync(filePath);
      version = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      return [];
    }
    const cached = this.#cache.get(filePath);
    if (cached?.version === version) return cached.hashes;
    const hashes = inlineScriptHashes(readFileSync(filePath, 'utf8'));
    this.#cache.set(filePath, { version, hashes });
    return hashes;
  }
}
