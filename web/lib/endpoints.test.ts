import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLE_RATE, resolveEndpoints, type FrontendSettings } from './endpoints.ts';

const none: FrontendSettings = {
  apiUrl: undefined,
  wsUrl: undefined,
  sampleRate: undefined,
  debug: undefined,
  development: false,
};

describe('resolveEndpoints', () => {
  it('talks to the cai that served the page when nothing is set', () => {
    expect(resolveEndpoints(none, 'http://127.0.0.1:8000')).toEqual({
      httpBase: 'http://127.0.0.1:8000',
      chatSocketUrl: 'ws://127.0.0.1:8000',
      voiceSocketUrl: 'ws://127.0.0.1:8000/ws',
      sampleRate: DEFAULT_SAMPLE_RATE,
      debug: false,
    });
  });

  it('uses secure sockets for a page served over https', () => {
    const endpoints = resolveEndpoints(none, 'https://chat.example.com');
    expect(endpoints.chatSocketUrl).toBe('wss://chat.example.com');
    expect(endpoints.voiceSocketUrl).toBe('wss://chat.example.com/ws');
  });

  it("honours doc 001's NEXT_PUBLIC_API_URL, NEXT_PUBLIC_WS_URL, NEXT_PUBLIC_SAMPLE_RATE and NEXT_PUBLIC_DEBUG", () => {
    const endpoints = resolveEndpoints(
      {
        apiUrl: 'https://api.example.com/',
        wsUrl: 'wss://voice.example.com/ws',
        sampleRate: '24000',
        debug: 'true',
        development: false,
      },
      'https://app.example.com',
    );
    expect(endpoints).toEqual({
      httpBase: 'https://api.example.com',
      chatSocketUrl: 'wss://api.example.com',
      voiceSocketUrl: 'wss://voice.example.com/ws',
      sampleRate: 24_000,
      debug: true,
    });
  });

  it('sends REST through the dev server (its proxy) but sockets straight to cai under `next dev`', () => {
    const endpoints = resolveEndpoints(
      { ...none, apiUrl: 'http://localhost:8000', development: true },
      'http://localhost:3000',
    );
    expect(endpoints.httpBase).toBe('http://localhost:3000');
    expect(endpoints.chatSocketUrl).toBe('ws://localhost:8000');
    expect(endpoints.voiceSocketUrl).toBe('ws://localhost:8000/ws');
    expect(endpoints.debug).toBe(true);
  });

  it('falls back to 16 kHz for a sample rate the server would not take', () => {
    for (const sampleRate of ['abc', '4000', '96000', '16000.5', ' ']) {
      expect(resolveEndpoints({ ...none, sampleRate }, 'http://localhost:8000').sampleRate).toBe(16_000);
    }
  });
});
