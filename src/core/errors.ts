// One registry of every error cai answers with: a stable code, an HTTP status, whether a retry
// can help, and a default message. Protocols map these codes to their own wire shapes.
// A code, once published, is never reused for something else; retire it instead.

export const ERRORS = {
  INVALID_REQUEST: { status: 400, retryable: false, message: 'The request is malformed.' },
  INVALID_JSON: { status: 400, retryable: false, message: 'Invalid JSON format' },
  // Doc 001's voice socket: a message whose "type" it does not know, and audio or text sent
  // before start_conversation.
  UNKNOWN_TYPE: { status: 400, retryable: false, message: 'Unknown message type' },
  NO_SESSION: { status: 409, retryable: false, message: 'No active conversation session' },
  VALIDATION_FAILED: { status: 400, retryable: false, message: 'The request did not pass validation.' },
  PROVIDER_NOT_CONFIGURED: {
    status: 400,
    retryable: false,
    message: 'That model provider is not configured.',
  },
  MODEL_NOT_FOUND: { status: 400, retryable: false, message: 'No such model.' },
  PROMPT_TOO_LARGE: {
    status: 413,
    retryable: false,
    message: 'The prompt is larger than this server accepts.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, message: 'Unsupported content type.' },
  // Doc 002's `audio_url`: well-formed and allowed, but its server did not hand the audio over
  // (an error status, no answer in time, a redirect loop).
  AUDIO_URL_FAILED: { status: 422, retryable: false, message: 'The audio URL could not be fetched.' },
  AUTH_REQUIRED: { status: 401, retryable: false, message: 'Credentials are required.' },
  AUTH_FAILED: { status: 401, retryable: false, message: 'Invalid or expired authentication credentials.' },
  FORBIDDEN: { status: 403, retryable: false, message: 'These credentials may not do that.' },
  INVALID_ORG: { status: 403, retryable: false, message: 'Organization ID not found or access denied.' },
  NOT_FOUND: { status: 404, retryable: false, message: 'Not found.' },
  CHAT_NOT_FOUND: { status: 404, retryable: false, message: 'Chat not found.' },
  CONFLICT: { status: 409, retryable: false, message: 'The request conflicts with the current state.' },
  RESUME_FAILED: {
    status: 409,
    retryable: false,
    message: 'This session cannot be resumed; reload the history over REST.',
  },
  RATE_LIMITED: { status: 429, retryable: true, message: 'Too many requests, retry after backoff.' },
  QUOTA_EXCEEDED: { status: 429, retryable: true, message: 'The weekly request quota is used up.' },
  MODEL_ERROR: { status: 502, retryable: true, message: 'AI model processing error.' },
  MODEL_TIMEOUT: { status: 504, retryable: true, message: 'The model stopped answering.' },
  INTERNAL_ERROR: { status: 500, retryable: true, message: 'Internal server error.' },
  SERVICE_UNAVAILABLE: { status: 503, retryable: true, message: 'Service unavailable.' },
} as const satisfies Record<string, { status: number; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface AppErrorOptions {
  message?: string;
  /** How to fix it, for the caller (doc 004's `details`). */
  details?: unknown;
  retryAfterMs?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: unknown;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.message ?? ERRORS[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.retryable = ERRORS[code].retryable;
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Anything thrown, as an AppError; unknown failures become INTERNAL_ERROR without leaking their text. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  return new AppError('INTERNAL_ERROR', { cause: error });
}
