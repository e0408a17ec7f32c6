// Typed errors for everything cai answers, mirroring the server's registry (src/core/errors.ts):
// a stable `code`, the HTTP `status`, whether a retry can help, and the server's retry hint.
// Failures that never reached the server (network, timeouts, a closed socket) have client-side
// codes of their own.

export const SERVER_ERROR_CODES = [
  'INVALID_REQUEST',
  'INVALID_JSON',
  'UNKNOWN_TYPE',
  'NO_SESSION',
  'VALIDATION_FAILED',
  'PROVIDER_NOT_CONFIGURED',
  'MODEL_NOT_FOUND',
  'PROMPT_TOO_LARGE',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'AUDIO_URL_FAILED',
  'AUTH_REQUIRED',
  'AUTH_FAILED',
  'FORBIDDEN',
  'INVALID_ORG',
  'NOT_FOUND',
  'CHAT_NOT_FOUND',
  'CONFLICT',
  'RESUME_FAILED',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'MODEL_ERROR',
  'MODEL_TIMEOUT',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
] as const;

/** Raised by the SDK itself: the request or socket failed before the server could answer. */
export const CLIENT_ERROR_CODES = [
  'NETWORK_ERROR',
  'TIMEOUT',
  'CONNECTION_CLOSED',
  'UNEXPECTED_RESPONSE',
] as const;

export type ServerErrorCode = (typeof SERVER_ERROR_CODES)[number];
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];
/** A code this SDK knows, or any other string a newer server may send. */
export type CaiErrorCode = ServerErrorCode | ClientErrorCode | (string & {});

const STATUS: Record<ServerErrorCode, number> = {
  INVALID_REQUEST: 400,
  INVALID_JSON: 400,
  UNKNOWN_TYPE: 400,
  NO_SESSION: 409,
  VALIDATION_FAILED: 400,
  PROVIDER_NOT_CONFIGURED: 400,
  MODEL_NOT_FOUND: 400,
  PROMPT_TOO_LARGE: 413,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  AUDIO_URL_FAILED: 422,
  AUTH_REQUIRED: 401,
  AUTH_FAILED: 401,
  FORBIDDEN: 403,
  INVALID_ORG: 403,
  NOT_FOUND: 404,
  CHAT_NOT_FOUND: 404,
  CONFLICT: 409,
  RESUME_FAILED: 409,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  MODEL_ERROR: 502,
  MODEL_TIMEOUT: 504,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
};

const RETRYABLE = new Set<string>([
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'MODEL_ERROR',
  'MODEL_TIMEOUT',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
  'NETWORK_ERROR',
  'TIMEOUT',
  'CONNECTION_CLOSED',
]);

export interface CaiErrorOptions {
  code: CaiErrorCode;
  message: string;
  /** The HTTP status (REST), or the registry's status for a WebSocket error; 0 when none applies. */
  status?: number;
  details?: unknown;
  retryAfterMs?: number;
  /** The request or completion the error is about (WebSocket protocols). */
  requestId?: string;
  cause?: unknown;
}

export class CaiError extends Error {
  readonly code: CaiErrorCode;
  readonly status: number;
  /** Whether sending the same thing again later can succeed. */
  readonly retryable: boolean;
  /** How long the server asked to wait (Retry-After, retryAfterMs, retry_after_ms). */
  readonly retryAfterMs: number | undefined;
  /** The server's details: the fields that failed validation, doc 004's `hint`, … */
  readonly details: unknown;
  readonly requestId: string | undefined;

  constructor(options: CaiErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.status = options.status ?? STATUS[options.code as ServerErrorCode] ?? 0;
    this.retryable = RETRYABLE.has(options.code);
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
    this.requestId = options.requestId;
  }
}

/** AUTH_REQUIRED, AUTH_FAILED, FORBIDDEN, INVALID_ORG: fix the credentials, do not retry. */
export class AuthError extends CaiError {}
/** RATE_LIMITED, QUOTA_EXCEEDED: wait `retryAfterMs`. */
export class RateLimitError extends CaiError {}
/** INVALID_REQUEST, INVALID_JSON, VALIDATION_FAILED, PROMPT_TOO_LARGE, …: fix the request. */
export class ValidationError extends CaiError {}
/** NOT_FOUND, CHAT_NOT_FOUND (also another tenant's or user's resource). */
export class NotFoundError extends CaiError {}
/** CONFLICT: a client_message_id resent while its first request still runs. */
export class ConflictError extends CaiError {}
/** MODEL_ERROR, MODEL_TIMEOUT, PROVIDER_NOT_CONFIGURED, MODEL_NOT_FOUND. */
export class ModelError extends CaiError {}
/** INTERNAL_ERROR, SERVICE_UNAVAILABLE. */
export class ServerError extends CaiError {}
/** RESUME_FAILED: the session was lost; what was streamed is in the REST history. */
export class ResumeFailedError extends CaiError {}
/** NETWORK_ERROR, TIMEOUT, CONNECTION_CLOSED, UNEXPECTED_RESPONSE: nothing (usable) came back. */
export class ConnectionError extends CaiError {}

const CLASSES: Record<string, new (options: CaiErrorOptions) => CaiError> = {
  AUTH_REQUIRED: AuthError,
  AUTH_FAILED: AuthError,
  FORBIDDEN: AuthError,
  INVALID_ORG: AuthError,
  RATE_LIMITED: RateLimitError,
  QUOTA_EXCEEDED: RateLimitError,
  INVALID_REQUEST: ValidationError,
  INVALID_JSON: ValidationError,
  UNKNOWN_TYPE: ValidationError,
  VALIDATION_FAILED: ValidationError,
  PROMPT_TOO_LARGE: ValidationError,
  PAYLOAD_TOO_LARGE: ValidationError,
  UNSUPPORTED_MEDIA_TYPE: ValidationError,
  AUDIO_URL_FAILED: ValidationError,
  NOT_FOUND: NotFoundError,
  CHAT_NOT_FOUND: NotFoundError,
  CONFLICT: ConflictError,
  NO_SESSION: ConflictError,
  MODEL_ERROR: ModelError,
  MODEL_TIMEOUT: ModelError,
  PROVIDER_NOT_CONFIGURED: ModelError,
  MODEL_NOT_FOUND: ModelError,
  INTERNAL_ERROR: ServerError,
  SERVICE_UNAVAILABLE: ServerError,
  RESUME_FAILED: ResumeFailedError,
  NETWORK_ERROR: ConnectionError,
  TIMEOUT: ConnectionError,
  CONNECTION_CLOSED: ConnectionError,
  UNEXPECTED_RESPONSE: ConnectionError,
};

/** The right subclass for a code; an unknown code becomes a plain CaiError. */
export function caiError(options: CaiErrorOptions): CaiError {
  const ErrorClass = CLASSES[options.code] ?? CaiError;
  return new ErrorClass(options);
}

export function isCaiError(error: unknown): error is CaiError {
  return error instanceof CaiError;
}
