import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './logger.ts';

const key = 'cai_abcdefghijkl_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0';
const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl';

describe('redactUrl', () => {
  it('hides credentials in the query string', () => {
    const url = redactUrl(`/?authorization=Bearer%20${key}&orgId=org1`);
    expect(url).not.toContain(key);
    expect(url).toContain('orgId=org1');
    expect(redactUrl(`/ws/chat?api_key=${key}&user_id=u1`)).not.toContain(key);
    expect(redactUrl(`/chat/?token=${jwt}`)).not.toContain(jwt);
  });

  it('hides a key carried in the path', () => {
    const url = redactUrl(`/api/v1/webrtc/signal/peer-1/${key}`);
    expect(url).toBe('/api/v1/webrtc/signal/peer-1/[redacted]');
  });

  it('hides a key under a parameter name it does not know', () => {
    expect(redactUrl(`/x?whatever=${key}`)).not.toContain(key);
  });

  it('leaves ordinary URLs alone', () => {
    expect(redactUrl('/api/v1/chats/abc/messages?offset=0&limit=10')).toBe(
      '/api/v1/chats/abc/messages?offset=0&limit=10',
    );
  });
});

describe('createLogger', () => {
  it('never writes a key or token from headers or URLs', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    logger.info({ req: { method: 'GET', url: `/?authorization=Bearer%20${key}`, headers: {} } }, 'incoming');
    logger.info({ headers: { authorization: `Bearer ${jwt}`, 'x-api-key': key } }, 'headers');
    const output = lines.join('');
    expect(output).toContain('incoming');
    expect(output).not.toContain(key);
    expect(output).not.toContain(jwt);
  });
});
