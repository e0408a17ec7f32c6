import { describe, expect, it } from 'vitest';
import { SentenceSegmenter } from '../../src/core/sentence-segmenter.ts';
import { benchTokens, promptFor, requestIdIn } from './tokens.ts';

describe('benchTokens', () => {
  it('are all distinct, so a token is known by its position in the text', () => {
    const tokens = benchTokens(64);
    expect(new Set(tokens).size).toBe(64);
  });

  it("end a sentence every 16 tokens for cai's segmenter, which completes it at the next word", () => {
    const segmenter = new SentenceSegmenter();
    const completedAt: number[] = [];
    benchTokens(64).forEach((token, index) => {
      if (segmenter.push(token).length > 0) completedAt.push(index);
    });
    expect(completedAt).toEqual([16, 32, 48]);
    expect(segmenter.flush()).toMatch(/^W48 .* w63\.$/);
  });
});

describe('the request id in the prompt', () => {
  it('is found again in the text the upstream receives', () => {
    expect(requestIdIn(`system note\n${promptFor('abc-12')}`)).toBe('abc-12');
    expect(requestIdIn('no id here')).toBeUndefined();
  });
});
