import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';

// ICE_SERVERS, read and checked with the other settings at start.

function problemsOf(value: string): string[] {
  try {
    loadConfig({ ICE_SERVERS: value });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('ICE_SERVERS', () => {
  it("defaults to doc 002's STUN server", () => {
    expect(loadConfig({}).ICE_SERVERS).toEqual([{ urls: ['stun:stun.l.google.com:19302'] }]);
  });

  it('takes what RTCPeerConnection takes, one URL or several, with TURN credentials, or none', () => {
    expect(
      loadConfig({
        ICE_SERVERS:
          '[{"urls":"stun:stun.example.test:3478"},{"urls":["turn:turn.example.test:3478?transport=udp","turns:turn.example.test:5349"],"username":"u","credential":"c"}]',
      }).ICE_SERVERS,
    ).toEqual([
      { urls: ['stun:stun.example.test:3478'] },
      {
        urls: ['turn:turn.example.test:3478?transport=udp', 'turns:turn.example.test:5349'],
        username: 'u',
        credential: 'c',
      },
    ]);
    expect(loadConfig({ ICE_SERVERS: '[]' }).ICE_SERVERS).toEqual([]);
  });

  it('stops the start on anything else, naming the variable but never echoing a credential', () => {
    for (const bad of [
      'stun:stun.example.test',
      '{"urls":"stun:x"}',
      '[{"urls":"http://x"}]',
      '[{"urls":[]}]',
      '[{"url":"stun:x"}]',
      '[{"urls":"turn:x","credential":"s3cret-turn-password","extra":1}]',
    ]) {
      const problems = problemsOf(bad);
      expect(problems.length, bad).toBeGreaterThan(0);
      for (const problem of problems) {
        expect(problem, bad).toMatch(/^ICE_SERVERS: /);
        expect(problem).not.toContain('s3cret');
      }
    }
  });
});
