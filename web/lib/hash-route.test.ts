import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute } from './hash-route.ts';

describe('the hash route', () => {
  it('reads the view and the open conversation', () => {
    expect(parseRoute('')).toEqual({ view: 'chat', chatId: null });
    expect(parseRoute('#chat')).toEqual({ view: 'chat', chatId: null });
    expect(parseRoute('#chat/01a20218-2d1c-7000-abab-d7b01c0a5271')).toEqual({
      view: 'chat',
      chatId: '01a20218-2d1c-7000-abab-d7b01c0a5271',
    });
    expect(parseRoute('#voice')).toEqual({ view: 'voice' });
  });

  it('ignores an id that could not be one', () => {
    expect(parseRoute('#chat/../../admin')).toEqual({ view: 'chat', chatId: null });
    expect(parseRoute('#chat/<script>')).toEqual({ view: 'chat', chatId: null });
  });

  it('writes what it reads', () => {
    for (const hash of ['#chat', '#chat/abc-123', '#voice']) expect(formatRoute(parseRoute(hash))).toBe(hash);
  });
});
