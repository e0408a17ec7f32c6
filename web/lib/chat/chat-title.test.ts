import { describe, expect, it } from 'vitest';
import { displayTitle, titleFromMessage } from './chat-title.ts';

describe('conversation titles', () => {
  it('are the first message, on one line, cut at a word', () => {
    expect(titleFromMessage('  Hello\n\nthere  ')).toBe('Hello there');
    const long = 'Please help me plan a three week trip through Japan in spring with a small budget';
    const title = titleFromMessage(long);
    expect(title.endsWith('…')).toBe(true);
    expect(title.length).toBeLessThanOrEqual(61);
    expect(long.startsWith(title.slice(0, -1))).toBe(true);
  });

  it('fall back to the date for a conversation without one (a voice session)', () => {
    expect(displayTitle({ title: 'Billing', created_at: '2026-01-01T10:00:00Z' })).toBe('Billing');
    expect(displayTitle({ title: null, created_at: '2026-01-01T10:00:00Z' })).toMatch(/^Conversation of /);
    expect(displayTitle({ title: ' ', created_at: 'not a date' })).toBe('Untitled conversation');
  });
});
