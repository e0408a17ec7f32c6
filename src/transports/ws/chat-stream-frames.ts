import { AppError } from '../../core/errors.ts';
import type { ErrorCode } from '../../core/errors.ts';

// Doc 004's client frames and its error shape `{"type":"error","code","message","details"}`, where
// `details` always holds a `hint` saying how to fix it, plus context (retry_after_ms, message_id…).

export type ChatStreamClientFrame =
  | { type: 'message'; content: string; clientMessageId: string | undefined }
  | { type: 'stop' }
  | { type: 'ping' }
  | { type: 'resume'; connectionId: string; lastSeq: number };

const MESSAGE_EXAMPLE = '{"content":"Hello"}';
const MAX_CLIENT_MESSAGE_ID_LENGTH = 256;

function invalid(message: string, hint: string): AppError {
  return new AppError('VALIDATION_FAILED', { message, details: { hint } });
}

/** One text frame → what the client asked for, or the AppError to answer it with. */
export function parseChatStreamFrame(text: string): ChatStreamClientFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError('INVALID_JSON', {
      details: { hint: `Send one JSON object per text frame, e.g. ${MESSAGE_EXAMPLE}` },
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(
      'A frame must be a JSON object.',
      `Send one JSON object per text frame, e.g. ${MESSAGE_EXAMPLE}`,
    );
  }
  const frame = parsed as Record<string, unknown>;
  switch (frame['type']) {
    case undefined:
    case 'message':
      return parseMessage(frame);
    case 'stop':
    case 'interrupt':
      return { type: 'stop' };
    case 'ping':
      return { type: 'ping' };
    case 'resume':
      return parseResume(frame);
    default:
      throw invalid(
        `Unknown message type ${JSON.stringify(frame['type'])}.`,
        `Send {"content":"…"} for a message, or a "type" of "stop", "ping" or "resume".`,
      );
  }
}

function parseMessage(frame: Record<string, unknown>): ChatStreamClientFrame {
  const { content, client_message_id: clientMessageId } = frame;
  if (typeof content !== 'string' || content.trim() === '') {
    throw invalid('"content" is required: a non-empty string.', `Send e.g. ${MESSAGE_EXAMPLE}`);
  }
  if (
    clientMessageId !== undefined &&
    clientMessageId !== null &&
    (typeof clientMessageId !== 'string' ||
      clientMessageId === '' ||
      clientMessageId.length > MAX_CLIENT_MESSAGE_ID_LENGTH)
  ) {
    throw invalid(
      '"client_message_id", when given, is a string of 1 to 256 characters.',
      'Send a unique id per message (a UUID, say) and the same id again when you resend it.',
    );
  }
  return { type: 'message', content, clientMessageId: clientMessageId ?? undefined };
}

function parseResume(frame: Record<string, unknown>): ChatStreamClientFrame {
  const { connection_id: connectionId, last_seq: lastSeq } = frame;
  if (
    typeof connectionId !== 'string' ||
    connectionId === '' ||
    !Number.isInteger(lastSeq) ||
    (lastSeq as number) < 0
  ) {
    throw invalid(
      'A resume needs "connection_id" (a string) and "last_seq" (an integer ≥ 0).',
      'Send {"type":"resume","connection_id":"<connection_id of the lost connection>","last_seq":<the last seq you received, 0 for none>} as the first message of the new connection.',
    );
  }
  return { type: 'resume', connectionId, lastSeq: lastSeq as number };
}

/** How to fix each code, when the error itself does not say. */
const HINTS: Partial<Record<ErrorCode, string>> = {
  INVALID_JSON: `Send one JSON object per text frame, e.g. ${MESSAGE_EXAMPLE}`,
  INVALID_REQUEST: `Send JSON text frames, e.g. ${MESSAGE_EXAMPLE}; binary frames are not accepted.`,
  VALIDATION_FAILED: `Send e.g. ${MESSAGE_EXAMPLE}`,
  AUTH_REQUIRED:
    'Pass the tenant API key as ?api_key=<key> (or the X-API-Key or Authorization: Bearer header), or a user JWT as ?token=<jwt>.',
  AUTH_FAILED: 'Check the API key or token: it is unknown, revoked or expired.',
  FORBIDDEN: 'A user token may only connect as its own user: drop user_id or use the token’s user.',
  CHAT_NOT_FOUND:
    'Create the chat first with POST /api/v1/chats/ {"user_id": "<user_id>"} using the same key, or connect without chat_id to start a new chat.',
  RATE_LIMITED:
    'Slow down: wait retry_after_ms before sending again (10 messages per second per connection).',
  PROMPT_TOO_LARGE: 'Send a shorter message.',
  MODEL_ERROR: 'The model failed; send the message again (with the same client_message_id to be safe).',
  MODEL_TIMEOUT: 'The model stopped answering; send the message again.',
  PROVIDER_NOT_CONFIGURED: 'Ask the operator to configure a model provider.',
  RESUME_FAILED:
    'Reload the chat history with GET /api/v1/chats/{chat_id}/messages and continue on this connection.',
  INTERNAL_ERROR: 'Retry later; if it persists, report it with the time it happened.',
  SERVICE_UNAVAILABLE: 'The server is shutting down or overloaded: reconnect in a few seconds.',
};
const GENERIC_HINT = 'See docs/api/chat-stream.md for the accepted messages.';

export interface ChatStreamErrorFrame {
  type: 'error';
  code: string;
  message: string;
  details: { hint: string } & Record<string, unknown>;
}

export function chatStreamError(
  error: AppError,
  context: Record<string, unknown> = {},
): ChatStreamErrorFrame {
  const own = error.details;
  const details: { hint: string } & Record<string, unknown> = {
    hint: HINTS[error.code] ?? GENERIC_HINT,
    ...(typeof own === 'string' ? { hint: own } : typeof own === 'object' && own !== null ? own : {}),
    ...(error.retryAfterMs === undefined ? {} : { retry_after_ms: error.retryAfterMs }),
    ...context,
  };
  return { type: 'error', code: error.code, message: error.message, details };
}

export const binaryFrameError = (): AppError =>
  new AppError('INVALID_REQUEST', {
    message: 'Binary frames are not accepted.',
    details: { hint: `Send JSON text frames, e.g. ${MESSAGE_EXAMPLE}` },
  });

/** Close code for a refused connection: policy for credentials and scope, "try again later" for limits. */
export function refusalCloseCode(error: AppError): number {
  if (error.code === 'RATE_LIMITED' || error.code === 'SERVICE_UNAVAILABLE') return 1013;
  if (error.code === 'INTERNAL_ERROR') return 1011;
  return 1008;
}
