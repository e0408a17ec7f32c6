import { describe, expect, it } from 'vitest';
import { PLAYBACK_LEAD_SECONDS, PlaybackSchedule } from './playback-schedule.ts';

describe('PlaybackSchedule', () => {
  it('plays pieces back to back in the order they came: no gap, no overlap', () => {
    const schedule = new PlaybackSchedule();
    const first = schedule.reserve(2.5, 10);
    // The next pieces arrive while the first still plays (now < its end).
    const second = schedule.reserve(1.25, 10.4);
    const third = schedule.reserve(3, 11);
    expect(first).toBe(10 + PLAYBACK_LEAD_SECONDS);
    expect(second).toBe(first + 2.5);
    expect(third).toBe(second + 1.25);
    expect(schedule.end).toBe(third + 3);
  });

  it('starts a piece that arrives after the queue ran dry a moment from now, not in the past', () => {
    const schedule = new PlaybackSchedule();
    schedule.reserve(1, 0);
    expect(schedule.reserve(1, 5)).toBe(5 + PLAYBACK_LEAD_SECONDS);
  });

  it('forgets everything reserved on barge-in', () => {
    const schedule = new PlaybackSchedule();
    schedule.reserve(30, 0);
    schedule.clear();
    expect(schedule.reserve(1, 2)).toBe(2 + PLAYBACK_LEAD_SECONDS);
  });
});
