import type { Config } from '../../config.ts';
import { AppError } from '../../core/errors.ts';
import { safeFetch } from '../../net/safe-fetch.ts';
import type { SafeFetchResult } from '../../net/safe-fetch.ts';
import { SafeFetchError } from '../../net/safe-fetch-error.ts';

// Doc 002's `audio_url`, fetched on the caller's behalf through safeFetch (no private, loopback or
// link-local address unless its host is in AUDIO_URL_ALLOWED_HOSTS; size and time caps). A refusal
// says what was wrong with the URL; `details.reason` keeps safeFetch's own code.

export async function fetchAudioUrl(options: {
  url: string;
  config: Config;
  signal: AbortSignal;
}): Promise<SafeFetchResult> {
  const { config } = options;
  try {
    return await safeFetch(options.url, {
      allowedHosts: config.AUDIO_URL_ALLOWED_HOSTS,
      maxBytes: config.AUDIO_URL_MAX_BYTES,
      timeoutMs: config.AUDIO_URL_TIMEOUT_MS,
      signal: options.signal,
    });
  } catch (error) {
    throw error instanceof SafeFetchError ? fromSafeFetchError(error, config) : error;
  }
}

function fromSafeFetchError(error: SafeFetchError, config: Config): AppError {
  const reason = error.code;
  switch (error.code) {
    case 'URL_NOT_ALLOWED':
    case 'ADDRESS_NOT_ALLOWED':
      return new AppError('VALIDATION_FAILED', {
        message: `Invalid body: audio_url: ${error.message}`,
        details: {
          reason,
          problems: [{ field: 'audio_url', problem: error.message }],
          hint: 'Give a public http(s) URL, or send the audio itself.',
        },
      });
    case 'TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', {
        message: error.message,
        details: { reason, max_bytes: config.AUDIO_URL_MAX_BYTES },
      });
    case 'TIMEOUT':
    case 'TOO_MANY_REDIRECTS':
    case 'FETCH_FAILED':
      return new AppError('AUDIO_URL_FAILED', {
        message: error.message,
        details: { reason, ...(reason === 'TIMEOUT' && { timeout_ms: config.AUDIO_URL_TIMEOUT_MS }) },
      });
  }
}
