import { describe, expect, it } from 'vitest';
import {
  AuthError,
  CaiError,
  caiError,
  ConnectionError,
  ModelError,
  NotFoundError,
  RateLimitError,
  ResumeFailedError,
  SERVER_ERROR_CODES,
  ValidationError,
} from './errors.ts';

describe('typed errors', () => {
  it('picks the class from the code', () => {
    expect(caiError({ code: 'AUTH_FAILED', message: 'x' })).toBeInstanceOf(AuthError);
    expect(caiError({ code: 'INVALID_ORG', message: 'x' })).toBeInstanceOf(AuthError);
    expect(caiError({ code: 'RATE_LIMITED', message: 'x' })).toBeInstanceOf(RateLimitError);
    expect(caiError({ code: 'VALIDATION_FAILED', message: 'x' })).toBeInstanceOf(ValidationError);
    expect(caiError({ code: 'CHAT_NOT_FOUND', message: 'x' })).toBeInstanceOf(NotFoundError);
    expect(caiError({ code: 'MODEL_TIMEOUT', message: 'x' })).toBeInstanceOf(ModelError);
    expect(caiError({ code: 'RESUME_FAILED', message: 'x' })).toBeInstanceOf(ResumeFailedError);
    expect(caiError({ code: 'NETWORK_ERROR', message: 'x' })).toBeInstanceOf(ConnectionError);
  });

  it('carries the status and retryability of the server registry', () => {
    const limited = caiError({ code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 1500 });
    expect(limited).toMatchObject({
      status: 429,
      retryable: true,
      retryAfterMs: 1500,
      name: 'RateLimitError',
    });
    expect(caiError({ code: 'CHAT_NOT_FOUND', message: 'x' })).toMatchObject({
      status: 404,
      retryable: false,
    });
    expect(caiError({ code: 'RESUME_FAILED', message: 'x' })).toMatchObject({
      status: 409,
      retryable: false,
    });
  });

  it('keeps a code it does not know as a plain CaiError', () => {
    const error = caiError({ code: 'SOMETHING_NEW', message: 'x', status: 418 });
    expect(error.constructor).toBe(CaiError);
    expect(error).toMatchObject({ code: 'SOMETHING_NEW', status: 418, retryable: false });
  });

  it('knows every code of the server registry', async () => {
    const { ERRORS } = await import('../../../src/core/errors.ts');
    expect([...SERVER_ERROR_CODES].sort()).toEqual(Object.keys(ERRORS).sort());
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(caiError({ code, message: 'x' })).toMatchObject({
        status: entry.status,
        retryable: entry.retryable,
      });
    }
  });
});
