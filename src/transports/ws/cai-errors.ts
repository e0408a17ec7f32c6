import type { AppError, ErrorCode } from '../../core/errors.ts';

// cai's error registry → doc 000's codes. The document names five (AUTH_FAILED, INVALID_ORG,
// RATE_LIMITED, MODEL_ERROR, INVALID_REQUEST); resume adds RESUME_FAILED. Every other registry code
// folds into the nearest of them, keeping the registry's message, so clients switch on a closed set.

export type CaiErrorCode =
  'AUTH_FAILED' | 'INVALID_ORG' | 'RATE_LIMITED' | 'MODEL_ERROR' | 'INVALID_REQUEST' | 'RESUME_FAILED';

export interface CaiErrorMessage {
  type: 'ERROR';
  code: CaiErrorCode;
  message: string;
  requestId?: string;
  retryAfterMs?: number;
}

const CODES: Partial<Record<ErrorCode, CaiErrorCode>> = {
  AUTH_REQUIRED: 'AUTH_FAILED',
  AUTH_FAILED: 'AUTH_FAILED',
  FORBIDDEN: 'AUTH_FAILED',
  INVALID_ORG: 'INVALID_ORG',
  RATE_LIMITED: 'RATE_LIMITED',
  QUOTA_EXCEEDED: 'RATE_LIMITED',
  RESUME_FAILED: 'RESUME_FAILED',
  // Failures on the server's side, storage included: "processing error" is the document's word.
  MODEL_ERROR: 'MODEL_ERROR',
  MODEL_TIMEOUT: 'MODEL_ERROR',
  INTERNAL_ERROR: 'MODEL_ERROR',
  SERVICE_UNAVAILABLE: 'MODEL_ERROR',
};

export function caiCodeOf(code: string): CaiErrorCode {
  return CODES[code as ErrorCode] ?? 'INVALID_REQUEST';
}

/** The ERROR frame for an AppError; a string `details` (how to fix it) joins the message. */
export function caiError(error: AppError, requestId?: string): CaiErrorMessage {
  const message = typeof error.details === 'string' ? `${error.message} ${error.details}` : error.message;
  return {
    type: 'ERROR',
    code: caiCodeOf(error.code),
    message,
    ...(requestId === undefined ? {} : { requestId }),
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
  };
}
