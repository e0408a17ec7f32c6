import { parseRetryAfter, sleep } from './backoff.ts';
import { caiError, isCaiError, type CaiError } from './errors.ts';
import { isIdempotent, retryDecision, type RetryOptions } from './retry-policy.ts';

// One REST request with cai's conventions: credentials, JSON in and out, `{error:{code,message,
// details}}` turned into a typed CaiError, a per-attempt timeout, and retries of what is safe.

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  baseUrl: string;
  /** The `Authorization: Bearer` credential: a tenant API key or a user JWT. */
  credential?: string;
  fetch?: FetchFunction;
  retry?: RetryOptions;
  /** Per attempt, until the whole answer (JSON) or its headers (streams) arrived; default 120 s. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** Called before each retry: for logging. */
  onRetry?: (retry: { attempt: number; delayMs: number; error: CaiError }) => void;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** A POST whose body carries a key the server deduplicates on. */
  idempotencyKey?: boolean;
  signal?: AbortSignal;
  /** Accept a 404 after a retried attempt (a DELETE whose first attempt did delete). */
  notFoundAfterRetryIsSuccess?: boolean;
}

const DEFAULT_TIMEOUT_MS = 120_000;

export class HttpTransport {
  readonly #options: HttpTransportOptions;
  readonly #baseUrl: string;

  constructor(options: HttpTransportOptions) {
    this.#options = options;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  /** The parsed JSON answer (undefined for 204). */
  async json<T>(request: HttpRequest): Promise<T> {
    const response = await this.send(request, 'json');
    if (response.status === 204 || !response.ok) {
      // 204, or a 404 accepted by notFoundAfterRetryIsSuccess.
      await response.body?.cancel();
      return undefined as T;
    }
    return (await response.json()) as T;
  }

  /** The response once its headers say success; the caller reads the body (a stream). */
  async stream(request: HttpRequest): Promise<Response> {
    return this.send(request, 'stream');
  }

  async send(request: HttpRequest, mode: 'json' | 'stream'): Promise<Response> {
    const idempotent = isIdempotent(request.method, request.idempotencyKey ?? false);
    for (let attempt = 0; ; attempt += 1) {
      let error: CaiError;
      let status: number | undefined;
      try {
        const response = await this.#attempt(request, mode);
        if (response.ok) return response;
        status = response.status;
        if (status === 404 && attempt > 0 && request.notFoundAfterRetryIsSuccess) return response;
        error = await errorFromResponse(response);
      } catch (thrown) {
        if (request.signal?.aborted) throw request.signal.reason;
        error = networkError(thrown);
      }
      const decision = retryDecision(
        {
          attempt,
          idempotent,
          ...(status === undefined ? {} : { status }),
          ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
        },
        this.#options.retry,
      );
      if (!decision.retry) throw error;
      this.#options.onRetry?.({ attempt: attempt + 1, delayMs: decision.delayMs, error });
      await sleep(decision.delayMs, request.signal);
    }
  }

  async #attempt(request: HttpRequest, mode: 'json' | 'stream'): Promise<Response> {
    const fetchFunction: FetchFunction =
      this.#options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const headers: Record<string, string> = {
      accept: mode === 'stream' ? 'text/event-stream' : 'application/json',
    };
    if (this.#options.credential !== undefined)
      headers['authorization'] = `Bearer ${this.#options.credential}`;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, this.#options.headers);

    // The timeout covers this attempt only; the caller's signal covers everything.
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new Error('timeout')),
      this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    const onAbort = () => timeout.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await fetchFunction(this.#url(request), {
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: timeout.signal,
      });
      if (mode === 'json' || !response.ok) {
        // Read the whole answer under the timeout; hand back a response that is already buffered.
        const text = await response.text();
        return new Response(response.status === 204 ? null : text, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
      }
      return response;
    } catch (thrown) {
      if (timeout.signal.aborted && !request.signal?.aborted) {
        throw caiError({
          code: 'TIMEOUT',
          message: `No answer from ${request.path} in time.`,
          cause: thrown,
        });
      }
      throw thrown;
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    }
  }

  #url(request: HttpRequest): string {
    const url = new URL(this.#baseUrl + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }
}

/** A non-2xx response as a typed error: the server's code when it sent one, else by status. */
export async function errorFromResponse(response: Response): Promise<CaiError> {
  const text = await response.text().catch(() => '');
  const retryAfterHeader = parseRetryAfter(response.headers.get('retry-after'));
  let body: { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const serverError = body?.error;
  const details = serverError?.details;
  const detailsRetryAfter =
    typeof details === 'object' &&
    details !== null &&
    typeof (details as Record<string, unknown>)['retry_after_ms'] === 'number'
      ? ((details as Record<string, unknown>)['retry_after_ms'] as number)
      : undefined;
  const retryAfterMs = retryAfterHeader ?? detailsRetryAfter;
  const code = typeof serverError?.code === 'string' ? serverError.code : codeForStatus(response.status);
  const message =
    typeof serverError?.message === 'string'
      ? serverError.message
      : `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  return caiError({
    code,
    message,
    status: response.status,
    ...(details === undefined ? {} : { details }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** For answers without cai's error body (a proxy in front of it, say). */
function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_REQUEST';
    case 401:
      return 'AUTH_FAILED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 429:
      return 'RATE_LIMITED';
    case 502:
      return 'MODEL_ERROR';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    case 504:
      return 'MODEL_TIMEOUT';
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'UNEXPECTED_RESPONSE';
  }
}

function networkError(thrown: unknown): CaiError {
  if (isCaiError(thrown)) return thrown;
  const reason = thrown instanceof Error ? thrown.message : String(thrown);
  return caiError({
    code: 'NETWORK_ERROR',
    message: `The request did not reach cai: ${reason}`,
    cause: thrown,
  });
}
