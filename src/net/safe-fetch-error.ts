// Why a URL fetch on a caller's behalf was refused or failed. The HTTP status says how a route
// should answer its own caller: the URL is theirs (4xx) unless the remote server misbehaved (5xx).

export const SAFE_FETCH_STATUS = {
  URL_NOT_ALLOWED: 400,
  ADDRESS_NOT_ALLOWED: 400,
  TOO_LARGE: 413,
  TIMEOUT: 504,
  TOO_MANY_REDIRECTS: 502,
  FETCH_FAILED: 502,
} as const satisfies Record<string, number>;

export type SafeFetchErrorCode = keyof typeof SAFE_FETCH_STATUS;

export class SafeFetchError extends Error {
  readonly code: SafeFetchErrorCode;
  readonly status: number;

  constructor(code: SafeFetchErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'SafeFetchError';
    this.code = code;
    this.status = SAFE_FETCH_STATUS[code];
  }
}
