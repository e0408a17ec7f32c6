import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { normalizeHostname, resolveAllowedAddresses } from './allowed-addresses.ts';
import type { ResolveHostname } from './allowed-addresses.ts';
import { SafeFetchError } from './safe-fetch-error.ts';

export interface SafeFetchOptions {
  /** Hosts exempt from the address check (AUDIO_URL_ALLOWED_HOSTS); the URL rules still apply. */
  allowedHosts: readonly string[];
  maxBytes: number;
  /** One deadline for the whole fetch: resolution, connection, redirects and body. */
  timeoutMs: number;
  maxRedirects?: number;
  signal?: AbortSignal;
  /** Name resolution, replaceable for tests; the system resolver otherwise. */
  lookup?: ResolveHostname;
}

export interface SafeFetchResult {
  bytes: Uint8Array;
  contentType: string | undefined;
  finalUrl: string;
}

type Hop = { kind: 'redirect'; location: string } | { kind: 'body'; bytes: Uint8Array; contentType?: string };

const DEFAULT_MAX_REDIRECTS = 3;

/**
 * GETs a caller-supplied URL without letting it reach this host or its private networks: http(s)
 * only, each hop's host resolved once and checked, and the connection pinned to those checked
 * addresses (so a second DNS answer cannot swap them), redirects re-checked, size and time capped.
 * Rejects with SafeFetchError, or with `options.signal`'s reason when the caller aborts.
 */
export async function safeFetch(url: string, options: SafeFetchOptions): Promise<SafeFetchResult> {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const exemptHosts = new Set(options.allowedHosts.map(normalizeHostname));
  let current = parseAllowedUrl(url);

  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      new SafeFetchError('TIMEOUT', `The audio URL did not answer in full within ${options.timeoutMs} ms.`),
    );
  }, options.timeoutMs);
  const onCallerAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) onCallerAbort();
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });

  try {
    for (let hop = 0; hop <= maxRedirects; hop++) {
      const hostname = normalizeHostname(current.hostname);
      const addresses = await untilAborted(
        resolveAllowedAddresses({ hostname, exempt: exemptHosts.has(hostname), resolve: options.lookup }),
        controller.signal,
      );
      const result = await fetchOnce({
        url: current,
        addresses,
        maxBytes: options.maxBytes,
        signal: controller.signal,
      });
      if (result.kind === 'body') {
        return { bytes: result.bytes, contentType: result.contentType, finalUrl: current.href };
      }
      current = parseAllowedUrl(result.location, current);
    }
    throw new SafeFetchError(
      'TOO_MANY_REDIRECTS',
      `The audio URL redirected more than ${maxRedirects} times.`,
    );
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
}

function parseAllowedUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch (error) {
    throw new SafeFetchError('URL_NOT_ALLOWED', 'The audio URL is not a valid URL.', { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SafeFetchError('URL_NOT_ALLOWED', `Only http and https URLs are fetched, not ${url.protocol}`);
  }
  return url;
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Connects only to the addresses already checked, never resolving the name again. */
function pinnedLookup(addresses: string[]): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    const family =
      lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family;
    const candidates = addresses.filter((address) => !family || isIP(address) === family);
    const first = candidates[0];
    if (first === undefined) {
      callback(Object.assign(new Error(`No usable address for ${hostname}.`), { code: 'ENOTFOUND' }), '');
    } else if (lookupOptions.all) {
      callback(
        null,
        candidates.map((address) => ({ address, family: isIP(address) })),
      );
    } else {
      callback(null, first, isIP(first));
    }
  };
}

function fetchOnce(options: {
  url: URL;
  addresses: string[];
  maxBytes: number;
  signal: AbortSignal;
}): Promise<Hop> {
  const { url, maxBytes, signal } = options;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<Hop>((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      request.destroy();
      action();
    };
    const fail = (error: unknown) => settle(() => reject(error));
    const onAbort = () => fail(signal.reason);

    const request = transport.request(url, {
      method: 'GET',
      // A fresh connection per hop: a pooled socket could belong to an earlier, differently checked hop.
      agent: false,
      lookup: pinnedLookup(options.addresses),
      headers: { accept: '*/*', 'accept-encoding': 'identity', 'user-agent': 'cai' },
    });
    request.on('error', (error) => {
      fail(
        new SafeFetchError('FETCH_FAILED', `Fetching the audio URL failed: ${error.message}`, {
          cause: error,
        }),
      );
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location !== undefined) {
        settle(() => resolve({ kind: 'redirect', location }));
        return;
      }
      if (status < 200 || status >= 300) {
        fail(new SafeFetchError('FETCH_FAILED', `The audio URL answered HTTP ${status}.`));
        return;
      }
      const tooLarge = () =>
        new SafeFetchError('TOO_LARGE', `The audio at the URL is larger than ${maxBytes} bytes.`);
      const declaredLength = Number(response.headers['content-length']);
      if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
        fail(tooLarge());
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) fail(tooLarge());
        else chunks.push(chunk);
      });
      response.on('error', (error) => {
        fail(
          new SafeFetchError('FETCH_FAILED', `Reading the audio URL failed: ${error.message}`, {
            cause: error,
          }),
        );
      });
      response.on('end', () => {
        const contentType = response.headers['content-type'];
        settle(() => resolve({ kind: 'body', bytes: new Uint8Array(Buffer.concat(chunks)), contentType }));
      });
    });
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    request.end();
  });
}
