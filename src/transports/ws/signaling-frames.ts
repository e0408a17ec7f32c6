import { z } from 'zod';
import type { JsonValue } from '../../bus/bus.ts';
import { AppError, type ErrorCode } from '../../core/errors.ts';
import { PEER_ID_PATTERN, PEER_ID_RULE } from '../../signaling/peer-id.ts';

// Doc 002's signaling socket, `WS /api/v1/webrtc/signal/{peer_id}/{company_api_key}`: the frames a
// client may send, validated at the edge, and the numeric codes of closes and error frames
// (docs/api/webrtc-signaling.md).

/** Close codes: doc 002's 4001-4003 and 1011, ws's 1009, and cai's 4005. */
export const SIGNALING_CLOSE = {
  INVALID_KEY: 4001,
  CONNECTION_LIMIT: 4002,
  INVALID_PEER_ID: 4003,
  /** A newer connection with the same peer id took over (cai's addition). */
  REPLACED: 4005,
  INTERNAL: 1011,
} as const;

/** Codes of `{"type":"error"}` frames; the socket stays open. Doc 002's 4004, and cai's others. */
export const SIGNALING_ERROR = {
  /** Not JSON, an unknown type, or a frame that fails validation: `details` says what. */
  INVALID_MESSAGE: 4000,
  INVALID_KEY: 4001,
  CONNECTION_LIMIT: 4002,
  INVALID_PEER_ID: 4003,
  PEER_NOT_FOUND: 4004,
  REPLACED: 4005,
  /** Too many messages on this connection, or the weekly AI quota is used up: `retry_after_ms`. */
  RATE_LIMITED: 4029,
  INTERNAL: 1011,
} as const;

export interface SignalingErrorFrame {
  type: 'error';
  code: number;
  /** The error registry's code (src/core/errors.ts), for clients that switch on names. */
  error_code: ErrorCode;
  message: string;
  details?: unknown;
  retry_after_ms?: number;
  /** With 4004: the peer that was not found. */
  to_peer?: string;
}

const DEFAULT_RETRY_AFTER_MS = 1000;

const NUMERIC_CODES: Partial<Record<ErrorCode, number>> = {
  AUTH_REQUIRED: SIGNALING_ERROR.INVALID_KEY,
  AUTH_FAILED: SIGNALING_ERROR.INVALID_KEY,
  FORBIDDEN: SIGNALING_ERROR.INVALID_KEY,
  RATE_LIMITED: SIGNALING_ERROR.RATE_LIMITED,
  QUOTA_EXCEEDED: SIGNALING_ERROR.RATE_LIMITED,
  NOT_FOUND: SIGNALING_ERROR.PEER_NOT_FOUND,
  INTERNAL_ERROR: SIGNALING_ERROR.INTERNAL,
  SERVICE_UNAVAILABLE: SIGNALING_ERROR.INTERNAL,
  MODEL_ERROR: SIGNALING_ERROR.INTERNAL,
  MODEL_TIMEOUT: SIGNALING_ERROR.INTERNAL,
};

/** The error frame for a failure; anything not listed is the client's message being refused (4000). */
export function signalingError(
  error: AppError,
  extra: { code?: number; to_peer?: string } = {},
): SignalingErrorFrame {
  const code = extra.code ?? NUMERIC_CODES[error.code] ?? SIGNALING_ERROR.INVALID_MESSAGE;
  return {
    type: 'error',
    code,
    error_code: error.code,
    message: error.message,
    ...(error.details === undefined ? {} : { details: error.details }),
    ...(code === SIGNALING_ERROR.RATE_LIMITED
      ? { retry_after_ms: error.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS }
      : {}),
    ...(extra.to_peer === undefined ? {} : { to_peer: extra.to_peer }),
  };
}

/** How a refused connection closes: 4001 credentials, 4003 peer id, 4002 over the cap, else 1011. */
export function refusalCloseCode(error: AppError): number {
  switch (error.code) {
    case 'AUTH_REQUIRED':
    case 'AUTH_FAILED':
    case 'FORBIDDEN':
      return SIGNALING_CLOSE.INVALID_KEY;
    case 'VALIDATION_FAILED':
      return SIGNALING_CLOSE.INVALID_PEER_ID;
    case 'RATE_LIMITED':
      return SIGNALING_CLOSE.CONNECTION_LIMIT;
    default:
      return SIGNALING_CLOSE.INTERNAL;
  }
}

// --- Client → server ---

const peerId = z.string().regex(PEER_ID_PATTERN, { message: `expected a peer id: ${PEER_ID_RULE}` });

// RFC 8866: an SDP is lines of `x=…`, starting with `v=0`, with o=, s= and t= lines.
const SDP_LINE = /^[a-z]=/;
const REQUIRED_SDP_LINES = ['o=', 's=', 't='];

function isSessionDescription(sdp: string): boolean {
  const lines = sdp.split(/\r?\n/).filter((line) => line !== '');
  if (lines[0] !== 'v=0' || !lines.every((line) => SDP_LINE.test(line))) return false;
  return REQUIRED_SDP_LINES.every((start) => lines.some((line) => line.startsWith(start)));
}

const sdp = z.string().refine(isSessionDescription, {
  message:
    'expected an SDP session description: lines of "x=…" starting with "v=0", with o=, s= and t= lines',
});

// An RTCIceCandidateInit; an empty `candidate` is the end-of-candidates marker browsers send.
const iceCandidate = z.looseObject({
  candidate: z.string().refine((text) => text === '' || /^candidate:\S/.test(text), {
    message: 'expected an ICE candidate line starting with "candidate:" (or "" for the end of candidates)',
  }),
  sdpMid: z.string().max(256).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(65535).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});

const signalData = z.discriminatedUnion(
  'type',
  [
    z.looseObject({ type: z.literal('offer'), sdp }),
    z.looseObject({ type: z.literal('answer'), sdp }),
    z.looseObject({ type: z.literal('candidate'), candidate: iceCandidate }),
  ],
  { error: 'expected data.type "offer", "answer" or "candidate"' },
);

const messageData = z.looseObject({
  content: z.string({ message: 'expected data.content, a string' }),
  timestamp: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 timestamp' }).optional(),
  /** For the AI: continue this conversation instead of the connection's own. */
  conversation_id: z.string().min(1).max(64).optional(),
});

const clientFrame = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('signal'), to_peer: peerId, data: signalData }),
  z.looseObject({ type: z.literal('message'), to_peer: peerId.optional(), data: messageData }),
  z.looseObject({ type: z.literal('ping') }),
]);

type JsonObject = { [key: string]: JsonValue };

export type SignalingClientFrame =
  | { type: 'signal'; to_peer: string; data: JsonObject }
  | { type: 'message'; to_peer?: string; data: JsonObject & { content: string; conversation_id?: string } }
  | { type: 'ping' };

const CLIENT_TYPES = ['signal', 'message', 'ping'];

/** One client frame, validated; an AppError (answered with a 4000 error frame) when it does not fit. */
export function parseSignalingFrame(text: string): SignalingClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('INVALID_JSON', { message: 'Invalid JSON format: send one JSON object per frame.' });
  }
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !CLIENT_TYPES.includes(type)) {
    throw new AppError('UNKNOWN_TYPE', {
      message: `Unknown message type${typeof type === 'string' ? ` "${type.slice(0, 40)}"` : ''}: expected "signal", "message" or "ping".`,
    });
  }
  const parsed = clientFrame.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      field: issue.path.join('.') || 'frame',
      problem: issue.message,
    }));
    throw new AppError('VALIDATION_FAILED', {
      message: `Invalid ${type} message: ${problems[0]?.field}: ${problems[0]?.problem}`,
      details: { problems },
    });
  }
  return parsed.data as SignalingClientFrame;
}
