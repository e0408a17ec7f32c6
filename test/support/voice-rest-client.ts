import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestApp } from './test-app.ts';

// Calls to doc 002's voice endpoints on a test server, and what the answers decode to.

export interface TranscriptBody {
  text: string;
  language: string;
  duration_s: number;
  words?: Array<{ word: string; start: number; end: number; confidence?: number; speaker?: number }>;
  provider: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function tts(server: TestApp, key: string | undefined, body: unknown): Promise<Response> {
  return server.request('/api/v1/voice/tts', { method: 'POST', ...(key && { key }), json: body });
}

export function sttJson(server: TestApp, key: string | undefined, body: unknown): Promise<Response> {
  return server.request('/api/v1/voice/stt', { method: 'POST', ...(key && { key }), json: body });
}

export function sttRaw(
  server: TestApp,
  key: string,
  options: { body: Uint8Array; contentType: string; query?: string },
): Promise<Response> {
  return server.request(`/api/v1/voice/stt${options.query ?? ''}`, {
    method: 'POST',
    key,
    headers: { 'content-type': options.contentType },
    body: options.body,
  });
}

export async function errorOf(response: Response): Promise<ErrorBody['error'] & { status: number }> {
  return { status: response.status, ...((await response.json()) as ErrorBody).error };
}

/** Decodes MP3 with sox (libsox-fmt-mp3) into mono signed 16-bit samples at `sampleRate`. */
export function decodeMp3(bytes: Uint8Array, sampleRate: number): Int16Array {
  const folder = mkdtempSync(path.join(tmpdir(), 'cai-mp3-'));
  try {
    const file = path.join(folder, 'speech.mp3');
    writeFileSync(file, bytes);
    const raw = execFileSync(
      'sox',
      ['-D', file, '-t', 'raw', '-r', String(sampleRate), '-e', 'signed', '-b', '16', '-c', '1', '-'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return littleEndianSamples(raw);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export function littleEndianSamples(bytes: Uint8Array): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = new Int16Array(Math.floor(bytes.length / 2));
  for (let index = 0; index < samples.length; index++) samples[index] = view.getInt16(index * 2, true);
  return samples;
}
