'use client';

import { useEffect, useRef } from 'react';

// The microphone's level, redrawn once per animation frame from a ref (the level changes 50 times
// a second; re-rendering React that often would be wasteful).

const FLOOR_DB = -60;

/** RMS 0..1 → 0..1 on a decibel scale, which matches how loud things sound. */
export function meterValue(level: number): number {
  if (level <= 0) return 0;
  const decibels = 20 * Math.log10(level);
  return Math.max(0, Math.min(1, (decibels - FLOOR_DB) / -FLOOR_DB));
}

export function LevelMeter(props: { level: { current: number }; active: boolean }) {
  const meter = useRef<HTMLMeterElement>(null);
  useEffect(() => {
    if (!props.active) {
      if (meter.current) meter.current.value = 0;
      return;
    }
    let frame = requestAnimationFrame(function draw() {
      if (meter.current) meter.current.value = meterValue(props.level.current);
      frame = requestAnimationFrame(draw);
    });
    return () => cancelAnimationFrame(frame);
  }, [props.active, props.level]);
  return (
    <div className="level-meter">
      <label htmlFor="microphone-level">Microphone level</label>
      <meter
        id="microphone-level"
        ref={meter}
        min={0}
        max={1}
        low={0.25}
        high={0.9}
        optimum={0.5}
        value={0}
      />
    </div>
  );
}
