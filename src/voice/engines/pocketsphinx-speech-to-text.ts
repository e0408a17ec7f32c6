// pocketsphinx_continuous as a child process. The samples go to a temporary file, which the program
// reads as headerless PCM because its name does not end in .wav. (Not stdin: Node's stdio pipes are
// socket pairs, which the program cannot open as /dev/stdin.)
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '../../core/errors.ts';
import { runChildProcess } from '../child-process-runner.ts';
import type { ChecksAvailability, EngineAvailability } from '../engine-availability.ts';
import { findExecutable } from '../find-executable.ts';
import type { SpeechToText, TranscribeRequest, Transcript } from '../speech-to-text.ts';
import { SPEECH_TO_TEXT_SAMPLE_RATE } from '../speech-to-text.ts';
import { parsePocketsphinxOutput } from './pocketsphinx-output.ts';

export const POCKETSPHINX_INSTALL = 'apt-get install pocketsphinx pocketsphinx-en-us';
const ENGINE = 'pocketsphinx';
const DEFAULT_MODEL_DIRECTORY = '/usr/share/pocketsphinx/model/en-us';

export interface PocketsphinxSpeechToTextOptions {
  /** Path or name on PATH. */
  binary?: string;
  /** Holds the acoustic model folder `en-us`, `en-us.lm.bin` and `cmudict-en-us.dict` unless those are given. */
  modelDirectory?: string;
  acousticModel?: string;
  languageModel?: string;
  dictionary?: string;
  /** The model's language, as a BCP 47 tag. */
  language?: string;
  timeoutMs?: number;
  /** Where the audio is written for the engine to read; the OS temporary directory by default. */
  temporaryDirectory?: string;
}

export class PocketsphinxSpeechToText implements SpeechToText, ChecksAvailability {
  readonly name = ENGINE;
  readonly #binary: string;
  readonly #acousticModel: string;
  readonly #languageModel: string;
  readonly #dictionary: string;
  readonly #language: string;
  readonly #timeoutMs: number;
  readonly #temporaryDirectory: string;

  constructor(options: PocketsphinxSpeechToTextOptions = {}) {
    const modelDirectory = options.modelDirectory ?? DEFAULT_MODEL_DIRECTORY;
    this.#binary = options.binary ?? 'pocketsphinx_continuous';
    this.#acousticModel = options.acousticModel ?? path.join(modelDirectory, 'en-us');
    this.#languageModel = options.languageModel ?? path.join(modelDirectory, 'en-us.lm.bin');
    this.#dictionary = options.dictionary ?? path.join(modelDirectory, 'cmudict-en-us.dict');
    this.#language = options.language ?? 'en';
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#temporaryDirectory = options.temporaryDirectory ?? tmpdir();
  }

  async transcribe(request: TranscribeRequest): Promise<Transcript> {
    if (
      request.language !== undefined &&
      primaryLanguage(request.language) !== primaryLanguage(this.#language)
    ) {
      throw new AppError('VALIDATION_FAILED', {
        message: `The ${ENGINE} model here understands ${this.#language}, not ${request.language}.`,
      });
    }
    const durationSeconds = request.audio.length / SPEECH_TO_TEXT_SAMPLE_RATE;
    if (request.audio.length === 0) return { text: '', language: this.#language, durationSeconds, words: [] };
    const directory = await mkdtemp(path.join(this.#temporaryDirectory, 'cai-pocketsphinx-'));
    try {
      const audioFile = path.join(directory, 'audio.raw');
      await writeFile(audioFile, littleEndianBytes(request.audio));
      const result = await runChildProcess({
        engine: ENGINE,
        install: POCKETSPHINX_INSTALL,
        command: this.#binary,
        // The log goes to stderr, whose tail explains a failure.
        args: [
          '-infile',
          audioFile,
          '-samprate',
          String(SPEECH_TO_TEXT_SAMPLE_RATE),
          '-hmm',
          this.#acousticModel,
          '-lm',
          this.#languageModel,
          '-dict',
          this.#dictionary,
          '-time',
          'yes',
        ],
        timeoutMs: this.#timeoutMs,
        signal: request.signal,
        maxOutputBytes: 4 * 1024 * 1024,
      });
      const { text, words } = parsePocketsphinxOutput(new TextDecoder().decode(result.stdout));
      return { text, language: this.#language, durationSeconds, words };
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  async availability(): Promise<EngineAvailability> {
    if ((await findExecutable(this.#binary)) === undefined) {
      return {
        available: false,
        engine: ENGINE,
        reason: `${this.#binary} is not installed`,
        install: POCKETSPHINX_INSTALL,
      };
    }
    for (const file of [path.join(this.#acousticModel, 'mdef'), this.#languageModel, this.#dictionary]) {
      try {
        await access(file);
      } catch {
        return {
          available: false,
          engine: ENGINE,
          reason: `model file ${file} is missing`,
          install: POCKETSPHINX_INSTALL,
        };
      }
    }
    return { available: true, engine: ENGINE };
  }
}

function primaryLanguage(tag: string): string {
  return tag.split(/[-_]/)[0]?.toLowerCase() ?? '';
}

/** pocketsphinx reads little-endian samples; copy rather than assume the host's byte order. */
function littleEndianBytes(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < samples.length; index += 1) view.setInt16(index * 2, samples[index] ?? 0, true);
  return bytes;
}
