import { describe, expect, it } from 'vitest';
import type { PacedOutput } from './cai-sentence-pacer.ts';
import { SentencePacer } from './cai-sentence-pacer.ts';

describe('SentencePacer', () => {
  it('splits a delta that straddles a released sentence end, so nothing of the next one leaks', () => {
    const out: PacedOutput[] = [];
    const pacer = new SentencePacer((output) => out.push(output));
    pacer.addText('Hi there. Next');
    pacer.addSentence(0, 'Hi there.');
    expect(out).toEqual([
      { type: 'chunk', text: 'Hi there.' },
      { type: 'sentence', index: 0, text: 'Hi there.' },
    ]);
    pacer.addText(' one.');
    pacer.addSentence(1, 'Next one.');
    expect(out).toHaveLength(2);
    pacer.allowOne();
    expect(out.slice(2)).toEqual([
      { type: 'chunk', text: ' Next' },
      { type: 'chunk', text: ' one.' },
      { type: 'sentence', index: 1, text: 'Next one.' },
    ]);
    expect(pacer.releasedText).toBe('Hi there. Next one.');
    expect(pacer.releasedSentences).toEqual([0, 1]);
  });

  it('releases the text after the last sentence only once every sentence is out', () => {
    const out: PacedOutput[] = [];
    const pacer = new SentencePacer((output) => out.push(output));
    pacer.addText('One. Two. ');
    pacer.addSentence(0, 'One.');
    pacer.addSentence(1, 'Two.');
    pacer.releaseRest();
    expect(pacer.releasedText).toBe('One.');
    expect(pacer.heldCount).toBe(1);
    pacer.allowOne();
    pacer.releaseRest();
    expect(pacer.releasedText).toBe('One. Two. ');
  });
});
