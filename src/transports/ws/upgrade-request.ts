import type { IncomingMessage } from 'node:http';
import type { UpgradeRequest } from './ws-protocol.ts';

// The upgrade request as a protocol module sees it.

// Only path and query matter; the host header is the client's to choose, so it is not trusted.
const BASE_URL = 'http://localhost';

export function parseUpgradeUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', BASE_URL);
  } catch {
    return undefined;
  }
}

export function upgradeRequestFrom(options: {
  request: IncomingMessage;
  url: URL;
  params: Record<string, string>;
  trustProxy: boolean;
}): UpgradeRequest {
  return {
    url: options.url,
    headers: options.request.headers,
    ip: clientAddress(options.request, options.trustProxy),
    params: options.params,
  };
}

/** The client's address; behind a trusted proxy, the first one X-Forwarded-For names (as Fastify's request.ip). */
export function clientAddress(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = request.headers['x-forwarded-for'];
    const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
    if (first !== undefined && first !== '') return first;
  }
  return request.socket.remoteAddress ?? 'unknown';
}
