// Test helper: a phrase spoken by espeak-ng and converted by sox to what speech-to-text takes
// (16 kHz mono signed 16-bit). `-D`: no dither, so the samples, and what pocketsphinx hears, are
// the same on every run. pocketsphinx hears espeak-ng's voice imperfectly ("what is the weather
// today" comes out as "what is on whether to do"): assert on the opening words only.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseWav } from './audio/wav.ts';

export interface SpokenWavFormat {
  /** 16000 unless given. */
  sampleRate?: number;
  channels?: number;
  /** 16 (signed) unless given; 8 is written unsigned, as WAV has it. */
  bits?: 8 | 16;
}

/** A WAV file, 16 kHz mono 16-bit by default (written to disk first, so that its header has the real sizes). */
export function spokenWav(text: string, format: SpokenWavFormat = {}): Buffer {
  const bits = format.bits ?? 16;
  const output = [
    '-r',
    String(format.sampleRate ?? 16_000),
    '-c',
    String(format.channels ?? 1),
    '-b',
    String(bits),
    '-e',
    bits === 8 ? 'unsigned' : 'signed',
  ];
  const folder = mkdtempSync(path.join(tmpdir(), 'cai-spoken-'));
  try {
    const speech = path.join(folder, 'speech.wav');
    const converted = path.join(folder, 'converted.wav');
    execFileSync('espeak-ng', ['-v', 'en-us', '-w', speech, text], { stdio: 'ignore' });
    execFileSync('sox', ['-D', speech, ...output, converted], {
      stdio: 'ignore',
    });
    return readFileSync(converted);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The samples of spokenWav's 16 kHz mono file. */
export function spokenSamples(text: string): Int16Array {
  return parseWav(spokenWav(text)).samples;
}
