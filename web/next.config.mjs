// @ts-check
import { PHASE_DEVELOPMENT_SERVER } from 'next/constants.js';

// The browser app (docs/web-app.md). `npm run build:web` makes a static export in web/out/ that
// cai serves under /app/; `npm run dev:web` runs Next's dev server, which proxies the REST API to
// a running cai (cai sends no CORS headers, so the browser must see one origin).

/** Doc 001's default, for the dev server only: the export defaults to the page's own origin. */
const DEFAULT_DEV_API_URL = 'http://localhost:8000';

/** @type {(phase: string) => import('next').NextConfig} */
export default function nextConfig(phase) {
  const development = phase === PHASE_DEVELOPMENT_SERVER;
  const apiUrl = process.env.NEXT_PUBLIC_API_URL || (development ? DEFAULT_DEV_API_URL : '');
  return {
    basePath: '/app',
    trailingSlash: true,
    images: { unoptimized: true },
    reactStrictMode: true,
    poweredByHeader: false,
    // The SDK lives outside web/ (packages/sdk) and is compiled from source.
    experimental: { externalDir: true },
    // `npm run typecheck` and `npm run lint` cover web/; the build need not do it again.
    typescript: { ignoreBuildErrors: true },
    eslint: { ignoreDuringBuilds: true },
    env: { NEXT_PUBLIC_API_URL: apiUrl },
    webpack(config) {
      // The SDK loads the `ws` package by a computed name, only where there is no global WebSocket
      // (Node); browsers always have one, so webpack need not warn that it cannot follow the import.
      config.ignoreWarnings = [
        ...(config.ignoreWarnings ?? []),
        { module: /packages[\\/]sdk[\\/]src[\\/]websocket\.ts$/, message: /Critical dependency/ },
      ];
      return config;
    },
    ...(development
      ? {
          // The dev server forwards the REST API to cai; sockets connect to cai directly.
          async rewrites() {
            return ['/api/:path*', '/v1/:path*', '/health'].map((source) => ({
              source,
              destination: `${apiUrl}${source}`,
              basePath: false,
            }));
          },
        }
      : { output: 'export' }),
  };
}
