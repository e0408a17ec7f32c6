// espeak-ng as a child process: text on stdin, a WAV streamed on stdout, yielded as it arrives.
import { AppError } from '../../core/errors.ts';
import { runChildProcess, streamChildProcess } from '../child-process-runner.ts';
import type { EngineAvailability, ChecksAvailability } from '../engine-availability.ts';
import { EngineFailedError } from '../engine-errors.ts';
import type { AudioChunk, SynthesizeRequest, TextToSpeech } from '../text-to-speech.ts';
import { StreamedWavReader } from './streamed-wav-reader.ts';

export const ESPEAK_INSTALL = 'apt-get install espeak-ng';
const ENGINE = 'espeak-ng';
/** espeak-ng's own default rate, which `speed: 1` means. */
const NORMAL_WORDS_PER_MINUTE = 175;
const MIN_WORDS_PER_MINUTE = 80;
const MAX_WORDS_PER_MINUTE = 450;
// Voice names go on the command line: letters, digits and the separators espeak-ng uses
// (`en-us`, `en-us+f3`, `mb/mb-en1`), never a leading dash that would read as an option.
const VOICE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_+\-/]{0,63}$/;

export interface EspeakTextToSpeechOptions {
  /** Path or name on PATH. */
  binary?: string;
  defaultVoice?: string;
  timeoutMs?: number;
  /** Caps the WAV bytes of one synthesis. */
  maxOutputBytes?: number;
}

export class EspeakTextToSpeech implements TextToSpeech, ChecksAvailability {
  readonly name = ENGINE;
  readonly #binary: string;
  readonly #defaultVoice: string;
  readonly #timeoutMs: number;
  readonly #maxOutputBytes: number;

  constructor(options: EspeakTextToSpeechOptions = {}) {
    this.#binary = options.binary ?? 'espeak-ng';
    this.#defaultVoice = options.defaultVoice ?? 'en-us';
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxOutputBytes = options.maxOutputBytes ?? 64 * 1024 * 1024;
  }

  async *synthesize(request: SynthesizeRequest): AsyncIterable<AudioChunk> {
    const voice = request.voice ?? this.#defaultVoice;
    if (!VOICE_PATTERN.test(voice)) {
      throw new AppError('VALIDATION_FAILED', {
        message: `Not an espeak-ng voice name: ${JSON.stringify(voice)}.`,
      });
    }
    const reader = new StreamedWavReader();
    const output = streamChildProcess({
      engine: ENGINE,
      install: ESPEAK_INSTALL,
      command: this.#binary,
      // -b 1: the text is UTF-8. Text goes on stdin so that it is never read as an option.
      args: ['--stdout', '--stdin', '-b', '1', '-v', voice, '-s', String(wordsPerMinute(request.speed))],
      input: new TextEncoder().encode(request.text),
      timeoutMs: this.#timeoutMs,
      signal: request.signal,
      maxOutputBytes: this.#maxOutputBytes,
    });
    for await (const bytes of output) {
      const samples = reader.push(bytes);
      const format = reader.format;
      if (samples.length === 0 || format === undefined) continue;
      if (format.channels !== 1) {
        throw new EngineFailedError({
          engine: ENGINE,
          exitCode: null,
          exitSignal: null,
          stderrTail: 'stereo output',
        });
      }
      yield { samples, sampleRate: format.sampleRate };
    }
  }

  async availability(): Promise<EngineAvailability> {
    try {
      const result = await runChildProcess({
        engine: ENGINE,
        install: ESPEAK_INSTALL,
        command: this.#binary,
        args: ['--version'],
        timeoutMs: 5_000,
        maxOutputBytes: 64 * 1024,
      });
      if (!new TextDecoder().decode(result.stdout).includes('eSpeak')) {
        return {
          available: false,
          engine: ENGINE,
          reason: `${this.#binary} --version is not espeak-ng's`,
          install: ESPEAK_INSTALL,
        };
      }
      return { available: true, engine: ENGINE };
    } catch (error) {
      return { available: false, engine: ENGINE, reason: reasonOf(error), install: ESPEAK_INSTALL };
    }
  }
}

function wordsPerMinute(speed: number | undefined): number {
  if (speed === undefined) return NORMAL_WORDS_PER_MINUTE;
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new AppError('VALIDATION_FAILED', { message: 'speed must be a positive number.' });
  }
  const rate = Math.round(NORMAL_WORDS_PER_MINUTE * speed);
  return Math.min(MAX_WORDS_PER_MINUTE, Math.max(MIN_WORDS_PER_MINUTE, rate));
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
