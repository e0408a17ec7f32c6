import { describe, expect, it } from 'vitest';
import { SpeechOnsetDetector } from './speech-onset-detector.ts';

const FRAME_MS = 20;

function onsets(levels: number[]): number[] {
  const detector = new SpeechOnsetDetector({ threshold: 0.05, minimumSpeechMs: 100 });
  return levels.flatMap((level, index) => (detector.push(level, FRAME_MS) ? [index] : []));
}

describe('SpeechOnsetDetector', () => {
  it('recognises speech once it has lasted long enough, once per stretch', () => {
    const speech = Array<number>(20).fill(0.2);
    expect(onsets([0, 0, ...speech, 0, 0, ...speech])).toEqual([6, 28]);
  });

  it('ignores silence and short blips', () => {
    expect(onsets([0, 0.01, 0.3, 0.3, 0, 0.3, 0.3, 0.3, 0.3, 0, 0.04, 0.04, 0.04, 0.04, 0.04, 0.04])).toEqual(
      [],
    );
  });
});
