import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import { parseSignalingFrame, refusalCloseCode, signalingError } from './signaling-frames.ts';

// Doc 002's client frames, validated at the edge, and the codes refusals and errors carry.

const sdp = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  '',
].join('\r\n');
// As werift's and browsers' RTCIceCandidate.toJSON() give it.
const candidate = {
  candidate: 'candidate:626da4e5384a0ce2d0d93678a 1 udp 2116026367 127.0.0.1 53830 typ host generation 0',
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'd54e',
};

function refusal(frame: unknown): AppError {
  try {
    parseSignalingFrame(typeof frame === 'string' ? frame : JSON.stringify(frame));
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(frame)}`);
}

describe('parseSignalingFrame', () => {
  it('takes offers, answers and candidates, keeping every field for the other peer', () => {
    expect(
      parseSignalingFrame(JSON.stringify({ type: 'signal', to_peer: 'bob', data: { type: 'offer', sdp } })),
    ).toEqual({ type: 'signal', to_peer: 'bob', data: { type: 'offer', sdp } });
    expect(
      parseSignalingFrame(
        JSON.stringify({ type: 'signal', to_peer: 'bob', data: { type: 'answer', sdp, extra: 1 } }),
      ),
    ).toEqual({ type: 'signal', to_peer: 'bob', data: { type: 'answer', sdp, extra: 1 } });
    expect(
      parseSignalingFrame(
        JSON.stringify({ type: 'signal', to_peer: 'bob_2', data: { type: 'candidate', candidate } }),
      ),
    ).toEqual({ type: 'signal', to_peer: 'bob_2', data: { type: 'candidate', candidate } });
  });

  it("takes doc 002's example signal, which carries both an SDP and a candidate", () => {
    const frame = {
      type: 'signal',
      to_peer: 'target-peer-id',
      data: {
        type: 'candidate',
        sdp,
        candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMLineIndex: 0, sdpMid: '0' },
      },
    };
    expect(parseSignalingFrame(JSON.stringify(frame))).toEqual(frame);
  });

  it('takes the end-of-candidates marker, an empty candidate line', () => {
    const frame = {
      type: 'signal',
      to_peer: 'bob',
      data: { type: 'candidate', candidate: { candidate: '', sdpMid: null, sdpMLineIndex: null } },
    };
    expect(parseSignalingFrame(JSON.stringify(frame))).toEqual(frame);
  });

  it('takes messages for a peer or for the AI, and pings', () => {
    expect(
      parseSignalingFrame('{"type":"message","data":{"content":"hi","timestamp":"2024-01-25T10:30:00Z"}}'),
    ).toEqual({
      type: 'message',
      data: { content: 'hi', timestamp: '2024-01-25T10:30:00Z' },
    });
    expect(parseSignalingFrame('{"type":"message","to_peer":"bob","data":{"content":"hi"}}')).toMatchObject({
      to_peer: 'bob',
    });
    expect(parseSignalingFrame('{"type":"ping"}')).toEqual({ type: 'ping' });
  });

  it('refuses what is not JSON, and types it does not know', () => {
    expect(refusal('{"type":').code).toBe('INVALID_JSON');
    expect(refusal('[1,2]').code).toBe('UNKNOWN_TYPE');
    expect(refusal({ type: 'subscribe' })).toMatchObject({
      code: 'UNKNOWN_TYPE',
      message: expect.stringContaining('"subscribe"'),
    });
    expect(refusal({ to_peer: 'bob' }).code).toBe('UNKNOWN_TYPE');
  });

  it('refuses a malformed SDP, saying which field and why', () => {
    for (const bad of [
      '',
      'hello',
      'v=1\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0',
      'v=0\r\ns=-\r\nt=0 0',
      `${sdp}not a line\r\n`,
    ]) {
      const error = refusal({ type: 'signal', to_peer: 'bob', data: { type: 'offer', sdp: bad } });
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details).toEqual({ problems: [expect.objectContaining({ field: 'data.sdp' })] });
    }
    expect(refusal({ type: 'signal', to_peer: 'bob', data: { type: 'answer' } }).code).toBe(
      'VALIDATION_FAILED',
    );
    expect(refusal({ type: 'signal', to_peer: 'bob', data: { type: 'offer', sdp: 42 } }).code).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('refuses a candidate that is not a candidate object', () => {
    const bad = [
      { type: 'candidate' },
      { type: 'candidate', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' },
      { type: 'candidate', candidate: { candidate: 'a=nonsense' } },
      { type: 'candidate', candidate: { ...candidate, sdpMLineIndex: -1 } },
      { type: 'rollback' },
      'offer',
    ];
    for (const data of bad) {
      expect(refusal({ type: 'signal', to_peer: 'bob', data }).code, JSON.stringify(data)).toBe(
        'VALIDATION_FAILED',
      );
    }
  });

  it('refuses a target peer id with path tricks, too long, or outside letters, digits, _ and -', () => {
    for (const toPeer of ['../x', 'a/b', 'x'.repeat(65), 'élodie', 'bob ', '', 'peer:1', 7]) {
      const error = refusal({ type: 'signal', to_peer: toPeer, data: { type: 'offer', sdp } });
      expect(error.code, String(toPeer)).toBe('VALIDATION_FAILED');
    }
    expect(parseSignalingFrame(JSON.stringify({ type: 'ping', to_peer: 'x'.repeat(64) }))).toMatchObject({
      type: 'ping',
    });
  });

  it('refuses a message without content, or with a timestamp that is not one', () => {
    expect(refusal({ type: 'message', data: {} }).code).toBe('VALIDATION_FAILED');
    expect(refusal({ type: 'message', data: 'hi' }).code).toBe('VALIDATION_FAILED');
    expect(refusal({ type: 'message', data: { content: 'hi', timestamp: 'yesterday' } }).code).toBe(
      'VALIDATION_FAILED',
    );
  });
});

describe('signaling codes', () => {
  it('closes a refused connection with 4001 for credentials, 4003 for the peer id, 4002 over the cap, else 1011', () => {
    expect(refusalCloseCode(new AppError('AUTH_FAILED'))).toBe(4001);
    expect(refusalCloseCode(new AppError('AUTH_REQUIRED'))).toBe(4001);
    expect(refusalCloseCode(new AppError('VALIDATION_FAILED'))).toBe(4003);
    expect(refusalCloseCode(new AppError('RATE_LIMITED'))).toBe(4002);
    expect(refusalCloseCode(new AppError('INTERNAL_ERROR'))).toBe(1011);
    expect(refusalCloseCode(new AppError('SERVICE_UNAVAILABLE'))).toBe(1011);
  });

  it('numbers error frames: 4000 for a refused frame, 4004 absent peer, 4029 with a wait, 1011 server faults', () => {
    expect(signalingError(new AppError('VALIDATION_FAILED'))).toMatchObject({ type: 'error', code: 4000 });
    expect(signalingError(new AppError('NOT_FOUND'), { to_peer: 'bob' })).toMatchObject({
      code: 4004,
      to_peer: 'bob',
    });
    expect(signalingError(new AppError('RATE_LIMITED', { retryAfterMs: 250 }))).toMatchObject({
      code: 4029,
      error_code: 'RATE_LIMITED',
      retry_after_ms: 250,
    });
    expect(signalingError(new AppError('QUOTA_EXCEEDED'))).toMatchObject({
      code: 4029,
      retry_after_ms: 1000,
    });
    expect(signalingError(new AppError('SERVICE_UNAVAILABLE'))).toMatchObject({ code: 1011 });
    expect(signalingError(new AppError('MODEL_ERROR'))).toMatchObject({ code: 1011 });
  });
});
