import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';
import { parseWav } from '../../src/voice/audio/wav.ts';
import { wavChunks } from '../../src/voice/voice-session-test-kit.ts';

// For the voice session's end-to-end tests: real speech made by espeak-ng, and a doc 001 client
// over a real socket that records what it receives.

export type Wire = Record<string, unknown>;

export const SPEECH_RATE = 16_000;

/**
 * espeak-ng speaks `text`; sox converts it to 16 kHz mono 16-bit without dither (`-D`), so the
 * samples, and what pocketsphinx hears, are the same on every run. `silenceSeconds` of silence
 * follow, for the detector to hear the user stop.
 */
export function spokenSamples(
  text: string,
  options: { silenceSeconds?: number; sampleRate?: number; channels?: number } = {},
): Int16Array {
  const spoken = execFileSync('espeak-ng', ['--stdout', '-v', 'en-us', text]);
  const rate = String(options.sampleRate ?? SPEECH_RATE);
  const channels = String(options.channels ?? 1);
  const silence = String(options.silenceSeconds ?? 1);
  const raw = execFileSync(
    'sox',
    [
      '-D',
      '-t',
      'wav',
      '-',
      '-r',
      rate,
      '-c',
      channels,
      '-b',
      '16',
      '-e',
      'signed',
      '-t',
      'raw',
      '-',
      'pad',
      '0',
      silence,
    ],
    { input: spoken },
  );
  const samples = new Int16Array(raw.length / 2);
  for (let index = 0; index < samples.length; index += 1) samples[index] = raw.readInt16LE(index * 2);
  return samples;
}

/** The samples as doc 001 sends them: base64 WAV chunks of `chunkMs` each. */
export function audioChunks(samples: Int16Array, chunkMs = 20): string[] {
  return wavChunks(samples, { sampleRate: SPEECH_RATE, chunkFrames: (SPEECH_RATE * chunkMs) / 1000 });
}

export class VoiceClient {
  readonly socket: WebSocket;
  readonly received: Wire[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number }>;
  #waiters: Array<{ predicate: (message: Wire) => boolean; resolve: (message: Wire) => void }> = [];

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('error', () => undefined);
    this.opened = new Promise((resolve) => this.socket.once('open', () => resolve()));
    this.socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Wire;
      this.received.push(message);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.predicate(message)) return true;
        waiter.resolve(message);
        return false;
      });
    });
    this.closed = new Promise((resolve) => this.socket.on('close', (code) => resolve({ code })));
  }

  /** A client whose connection_established has arrived. */
  static async connect(url: string): Promise<VoiceClient> {
    const client = new VoiceClient(url);
    const first = await Promise.race([client.next('connection_established'), client.next('error')]);
    if (first['type'] !== 'connection_established') throw new Error(`refused: ${JSON.stringify(first)}`);
    return client;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Sends every chunk as an audio_chunk message, in order. */
  stream(chunks: string[]): void {
    for (const chunk of chunks) this.send({ type: 'audio_chunk', audio_data: chunk });
  }

  /** The first message (received already or still to come) of `type` that matches. */
  next(type: string, predicate: (message: Wire) => boolean = () => true): Promise<Wire> {
    const test = (message: Wire) => message['type'] === type && predicate(message);
    const found = this.received.find(test);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ predicate: test, resolve }));
  }

  ofType(type: string): Wire[] {
    return this.received.filter((message) => message['type'] === type);
  }

  close(): void {
    this.socket.close();
  }
}

/** The WAV in an ai_response, decoded. */
export function responseAudio(message: Wire) {
  return parseWav(new Uint8Array(Buffer.from(String(message['audio_data']), 'base64')));
}
