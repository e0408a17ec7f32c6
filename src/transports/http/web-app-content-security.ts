import { createHash } from 'node:crypto';

// The Content-Security-Policy of the browser app (/app/). Next's static export boots the page with
// inline scripts (its payload for React), so instead of allowing every inline script
// ('unsafe-inline'), each HTML page allows exactly its own, by hash: a script an attacker manages
// to inject into a page does not run.

const INLINE_SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;

/** `'sha256-…'` sources for every inline script (one without `src`) in the page. */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const [, attributes = '', body = ''] of html.matchAll(INLINE_SCRIPT)) {
    if (/\bsrc\s*=/i.test(attributes) || body === '') continue;
    hashes.add(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return [...hashes];
}

/** The policy for a page with these inline-script hashes (none for a page without scripts). */
export function contentSecurityPolicy(scriptHashes: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self'${scriptHashes.map((hash) => ` ${hash}`).join('')}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    // REST on this origin; the chat and voice sockets (ws: for http pages, wss: behind TLS).
    "connect-src 'self' ws: wss:",
    "media-src 'self' blob:",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
