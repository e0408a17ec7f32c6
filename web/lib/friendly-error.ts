import { isCaiError } from '../../packages/sdk/src/index.ts';

// Errors in words a user understands: what happened and what to do, never a stack or a code alone.

const BY_CODE: Record<string, string> = {
  AUTH_REQUIRED: 'You need to sign in first.',
  AUTH_FAILED: 'That key or sign-in was not accepted, or it has expired. Sign in again.',
  FORBIDDEN: 'That is not allowed with this sign-in. Use a tenant API key to sign in.',
  INVALID_ORG: 'Your sign-in does not belong to this organization. Sign in again.',
  RATE_LIMITED: 'Too many requests right now.',
  QUOTA_EXCEEDED: 'This account has used up its quota for the week.',
  VALIDATION_FAILED: 'The server could not accept that request.',
  PROMPT_TOO_LARGE: 'That message is too long. Send a shorter one.',
  PAYLOAD_TOO_LARGE: 'That is too large to send.',
  NOT_FOUND: 'That could not be found. It may have been deleted.',
  CHAT_NOT_FOUND: 'That conversation could not be found. It may have been deleted.',
  MODEL_ERROR: 'The model failed to answer. Try again.',
  MODEL_TIMEOUT: 'The model stopped answering. Try again.',
  PROVIDER_NOT_CONFIGURED: 'That model is not available on this server. Pick another one.',
  MODEL_NOT_FOUND: 'That model is not available on this server. Pick another one.',
  SERVICE_UNAVAILABLE: 'The server is busy or restarting. Try again in a moment.',
  INTERNAL_ERROR: 'Something went wrong on the server. Try again.',
  RESUME_FAILED:
    'The connection dropped and the reply could not be picked up again; what was saved is shown.',
  NETWORK_ERROR: 'Cannot reach the server. Check your connection and try again.',
  TIMEOUT: 'The server took too long to answer. Try again.',
  CONNECTION_CLOSED: 'The connection to the server was closed.',
  UNEXPECTED_RESPONSE: 'The server answered in a way the app did not expect.',
};

/** One sentence or two for the user. */
export function describeError(error: unknown): string {
  if (isCaiError(error)) {
    const known = BY_CODE[error.code];
    const wait =
      error.retryAfterMs !== undefined &&
      (error.code === 'RATE_LIMITED' || error.code === 'SERVICE_UNAVAILABLE')
        ? ` Wait ${Math.max(1, Math.ceil(error.retryAfterMs / 1000))} s and try again.`
        : '';
    return known === undefined ? `${error.message}${wait}` : `${known}${wait}`;
  }
  if (error instanceof TypeError && /fetch|network/i.test(error.message)) return BY_CODE.NETWORK_ERROR ?? '';
  if (error instanceof Error && error.message !== '') return error.message;
  return 'Something went wrong. Try again.';
}

/** Whether the user must sign in again to get any further. */
export function needsNewSignIn(error: unknown): boolean {
  return isCaiError(error) && ['AUTH_REQUIRED', 'AUTH_FAILED', 'INVALID_ORG'].includes(error.code);
}
