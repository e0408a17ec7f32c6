import { AppError } from '../../core/errors.ts';

// Doc 003's wire shapes: `{"message","session_id"?}` in; `{"session_id"}`, `{"message","session_id"}`
// and `{"error":{"code","message"},"session_id"?}` out.

export interface SessionChatRequest {
  message: string;
  sessionId: string | undefined;
}

/** One client text frame → a request, or the AppError to answer it with. */
export function parseSessionChatFrame(text: string): SessionChatRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError('INVALID_JSON', {
      message: 'Invalid JSON format: send one JSON object per text frame, e.g. {"message":"Hello AI!"}.',
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'Send a JSON object, e.g. {"message":"Hello AI!"}.',
    });
  }
  const { message, session_id: sessionId } = parsed as Record<string, unknown>;
  if (typeof message !== 'string' || message.trim() === '') {
    throw new AppError('VALIDATION_FAILED', {
      message: '"message" is required: a non-empty string, e.g. {"message":"Hello AI!"}.',
    });
  }
  if (sessionId !== undefined && sessionId !== null && typeof sessionId !== 'string') {
    throw new AppError('VALIDATION_FAILED', { message: '"session_id", when given, is a string.' });
  }
  return { message, sessionId: sessionId ?? undefined };
}

export interface SessionChatErrorFrame {
  error: { code: string; message: string; retry_after_ms?: number };
  session_id?: string;
}

export function sessionChatError(error: AppError, sessionId: string | undefined): SessionChatErrorFrame {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.retryAfterMs === undefined ? {} : { retry_after_ms: error.retryAfterMs }),
    },
    ...(sessionId === undefined ? {} : { session_id: sessionId }),
  };
}

export const BINARY_FRAME_ERROR = (): AppError =>
  new AppError('INVALID_REQUEST', {
    message: 'Binary frames are not accepted: send JSON text frames, e.g. {"message":"Hello AI!"}.',
  });

/** Close code for a refused connection: policy for credentials and scope, "try again later" for limits. */
export function refusalCloseCode(error: AppError): number {
  if (error.code === 'RATE_LIMITED' || error.code === 'SERVICE_UNAVAILABLE') return 1013;
  if (error.code === 'INTERNAL_ERROR') return 1011;
  return 1008;
}
