import { describe, expect, it } from 'vitest';
import { SileroTurnTracker } from './silero-turn-tracker.ts';

// 512 samples at 16 kHz: 32 ms frames, so 600 ms of silence is 19 frames.
function tracker(): SileroTurnTracker {
  return new SileroTurnTracker({
    frameSize: 512,
    sampleRate: 16_000,
    positiveThreshold: 0.5,
    negativeThreshold: 0.35,
    minSpeechFrames: 3,
    silenceMs: 600,
  });
}

function feed(target: SileroTurnTracker, probabilities: number[]) {
  return probabilities.flatMap((probability, frame) =>
    target.push(probability).map((event) => ({ frame, ...event })),
  );
}

const repeat = (probability: number, frames: number): number[] => Array<number>(frames).fill(probability);

describe('SileroTurnTracker', () => {
  it('starts speech after three speech frames, dated at the first of them', () => {
    const events = feed(tracker(), [...repeat(0.1, 10), ...repeat(0.9, 5)]);
    expect(events).toEqual([{ frame: 12, type: 'speech-start', at: 0.32 }]);
  });

  it('ignores speech runs shorter than minSpeechFrames', () => {
    expect(feed(tracker(), [0.9, 0.9, 0.1, 0.9, 0.9, 0.1, 0.9])).toEqual([]);
  });

  it('ends speech after 600 ms of silence, dated where the silence began', () => {
    const events = feed(tracker(), [...repeat(0.9, 10), ...repeat(0.1, 30)]);
    expect(events).toEqual([
      { frame: 2, type: 'speech-start', at: 0 },
      { frame: 28, type: 'speech-end', at: 0.32 },
    ]);
  });

  it('restarts the silence count when speech resumes', () => {
    const events = feed(tracker(), [...repeat(0.9, 3), ...repeat(0.1, 18), 0.9, ...repeat(0.1, 19)]);
    expect(events.map((event) => [event.type, event.frame])).toEqual([
      ['speech-start', 2],
      ['speech-end', 40],
    ]);
  });

  it('neither counts nor breaks silence with frames between the thresholds', () => {
    const events = feed(tracker(), [
      ...repeat(0.9, 3),
      ...repeat(0.1, 10),
      ...repeat(0.4, 50),
      ...repeat(0.1, 9),
    ]);
    expect(events.map((event) => [event.type, event.frame, event.at])).toEqual([
      ['speech-start', 2, 0],
      ['speech-end', 71, 0.096],
    ]);
  });

  it('reset forgets an ongoing turn and restarts the clock', () => {
    const target = tracker();
    feed(target, repeat(0.9, 5));
    expect(target.speaking).toBe(true);
    target.reset();
    expect(target.speaking).toBe(false);
    expect(feed(target, repeat(0.1, 30))).toEqual([]);
    target.reset();
    expect(feed(target, repeat(0.9, 3))).toEqual([{ frame: 2, type: 'speech-start', at: 0 }]);
  });
});
