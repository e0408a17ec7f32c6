// When each piece of a spoken reply starts: right after the previous one ends, so pieces play in
// the order they arrived with no gap and no overlap; a piece that arrives after the queue ran dry
// starts a moment from now (the lead keeps the audio thread from clipping its start).

export const PLAYBACK_LEAD_SECONDS = 0.05;

export class PlaybackSchedule {
  #end = 0;

  /** Reserves `duration` seconds of playback; answers when it starts (context time). */
  reserve(duration: number, now: number): number {
    const start = Math.max(now + PLAYBACK_LEAD_SECONDS, this.#end);
    this.#end = start + duration;
    return start;
  }

  /** When the last reserved piece ends. */
  get end(): number {
    return this.#end;
  }

  /** Barge-in: whatever was reserved is dropped; the next piece starts afresh. */
  clear(): void {
    this.#end = 0;
  }
}
