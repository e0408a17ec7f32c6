// Failures of a cloud voice provider, as AppErrors. A refused API key is the server's configuration
// problem, not the caller's credentials: SERVICE_UNAVAILABLE, never AUTH_FAILED; its text stays in
// the cause (OpenAI's quotes part of the key). Other failures keep the provider's text, which names
// the problem (an unknown voice, corrupt audio).
import { APICallError } from '@ai-sdk/provider';
import { AppError } from '../../core/errors.ts';
import { retryAfterMsFrom } from '../../models/retry-after.ts';

export interface CloudVoiceErrorOptions {
  /** Display name, e.g. `Deepgram`. */
  provider: string;
  /** The setting that holds the key, named in the message of a refused key. */
  apiKeySetting: string;
  /** The caller's signal: when it aborted, its reason is thrown as is. */
  signal: AbortSignal;
  timedOut: boolean;
  timeoutMs: number;
  /** Pulls the human message out of the provider's error body. */
  describeBody: (body: unknown) => string | undefined;
}

export function toCloudVoiceError(error: unknown, options: CloudVoiceErrorOptions): unknown {
  if (options.signal.aborted) return options.signal.reason;
  const { provider } = options;
  if (options.timedOut) {
    return new AppError('MODEL_TIMEOUT', {
      message: `${provider} did not answer within ${options.timeoutMs} ms.`,
      details: { provider },
      cause: error,
    });
  }
  if (!APICallError.isInstance(error) || error.statusCode === undefined) {
    return new AppError('MODEL_ERROR', {
      message: `${provider} could not be reached (${messageOf(error)}).`,
      details: { provider },
      cause: error,
    });
  }
  const status = error.statusCode;
  const said = describe(error.responseBody, options.describeBody) ?? error.message;
  const details = { provider, status };
  if (status === 401 || status === 403) {
    return new AppError('SERVICE_UNAVAILABLE', {
      message: `${provider} refused this server's API key (${status}); check ${options.apiKeySetting}.`,
      details,
      cause: error,
    });
  }
  if (status === 429) {
    return new AppError('RATE_LIMITED', {
      message: `${provider} is rate limiting this server (${said}).`,
      details,
      retryAfterMs: retryAfterMsFrom(error.responseHeaders),
      cause: error,
    });
  }
  return new AppError('MODEL_ERROR', {
    message: `${provider} failed (${status}: ${said}).`,
    details,
    retryAfterMs: retryAfterMsFrom(error.responseHeaders),
    cause: error,
  });
}

function describe(body: string | undefined, describeBody: (body: unknown) => string | undefined) {
  if (body === undefined || body === '') return undefined;
  try {
    return describeBody(JSON.parse(body));
  } catch {
    return undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
