import type { AppError, ErrorCode } from '../../core/errors.ts';
import { isAudioError, type AudioError } from '../../voice/audio/audio-error.ts';
import type { VoiceFailureStage } from '../../voice/voice-session-events.ts';

// cai's error registry → doc 001's error codes: the document's four (INVALID_JSON, UNKNOWN_TYPE,
// NO_SESSION, PROCESSING_ERROR) plus RATE_LIMITED and AUTH_FAILED (DESIGN.md "Doc 001"). Anything
// else is a PROCESSING_ERROR keeping the registry's message, so clients switch on a closed set.

export type VoiceErrorCode =
  'INVALID_JSON' | 'UNKNOWN_TYPE' | 'NO_SESSION' | 'PROCESSING_ERROR' | 'RATE_LIMITED' | 'AUTH_FAILED';

export interface VoiceErrorMessage {
  type: 'error';
  code: VoiceErrorCode;
  message: string;
  /** With RATE_LIMITED: how long to wait before sending again. */
  retry_after_ms?: number;
}

const CODES: Partial<Record<ErrorCode, VoiceErrorCode>> = {
  INVALID_JSON: 'INVALID_JSON',
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  NO_SESSION: 'NO_SESSION',
  RATE_LIMITED: 'RATE_LIMITED',
  QUOTA_EXCEEDED: 'RATE_LIMITED',
  AUTH_REQUIRED: 'AUTH_FAILED',
  AUTH_FAILED: 'AUTH_FAILED',
  FORBIDDEN: 'AUTH_FAILED',
};

const DEFAULT_RETRY_AFTER_MS = 1000;
// Failures in these stages are about the audio pipeline: worded as the document words them.
const AUDIO_STAGES: ReadonlySet<VoiceFailureStage> = new Set(['audio', 'speech-to-text', 'text-to-speech']);

export function voiceCodeOf(code: string): VoiceErrorCode {
  return CODES[code as ErrorCode] ?? 'PROCESSING_ERROR';
}

/** The error frame for a failure; `stage` says which part of the session it came from. */
export function voiceError(error: AppError | AudioError, stage?: VoiceFailureStage): VoiceErrorMessage {
  if (isAudioError(error)) {
    return { type: 'error', code: 'PROCESSING_ERROR', message: `Audio processing error: ${error.message}` };
  }
  const code = voiceCodeOf(error.code);
  // A string `details` says how to fix it (PROMPT_TOO_LARGE gives the numbers).
  let message = typeof error.details === 'string' ? `${error.message} ${error.details}` : error.message;
  // A missing engine (VoiceEngines.require*, EngineUnavailableError) says how to install it.
  const install = installCommandOf(error.details);
  if (install !== undefined && !message.includes(install)) message = `${message} Install it with: ${install}`;
  if (code === 'PROCESSING_ERROR' && stage !== undefined && AUDIO_STAGES.has(stage)) {
    message = `Audio processing error: ${message}`;
  }
  return {
    type: 'error',
    code,
    message,
    ...(code === 'RATE_LIMITED' ? { retry_after_ms: error.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS } : {}),
  };
}

function installCommandOf(details: unknown): string | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const install = (details as { install?: unknown }).install;
  return typeof install === 'string' && install !== '' ? install : undefined;
}
