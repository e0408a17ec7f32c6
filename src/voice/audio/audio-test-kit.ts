// Test helpers: real audio made by sox and espeak-ng in a temporary folder, and measurements.
// Missing tools are handled by missingExecutables (../engine-test-support.ts).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AudioWorkspace {
  path(name: string): string;
  read(name: string): Uint8Array;
  sox(args: string[]): void;
  espeak(name: string, text: string): void;
  soxi(flag: '-D' | '-r' | '-c' | '-b' | '-s', name: string): number;
  remove(): void;
}

export function audioWorkspace(): AudioWorkspace {
  const folder = mkdtempSync(join(tmpdir(), 'cai-audio-'));
  const path = (name: string): string => join(folder, name);
  const resolve = (args: string[]): string[] =>
    args.map((arg) => (arg.startsWith('@') ? path(arg.slice(1)) : arg));
  return {
    path,
    read: (name) => new Uint8Array(readFileSync(path(name))),
    // Arguments written "@name" are files in the workspace.
    sox: (args) => void execFileSync('sox', resolve(args), { stdio: 'pipe' }),
    espeak: (name, text) => void execFileSync('espeak-ng', ['-w', path(name), text], { stdio: 'pipe' }),
    soxi: (flag, name) => Number(execFileSync('soxi', [flag, path(name)], { encoding: 'utf8' }).trim()),
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
}

export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

/** Frequency of a pure tone from its zero crossings. */
export function toneFrequency(samples: Int16Array, sampleRate: number): number {
  let crossings = 0;
  for (let index = 1; index < samples.length; index++) {
    const before = samples[index - 1] ?? 0;
    const now = samples[index] ?? 0;
    if ((before < 0 && now >= 0) || (before >= 0 && now < 0)) crossings++;
  }
  return crossings / 2 / (samples.length / sampleRate);
}
