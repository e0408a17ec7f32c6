import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingExecutables } from '../../src/voice/engine-test-support.ts';
import { startCaiProcess, type CaiProcess } from '../support/cai-process.ts';
import { audioChunks, spokenSamples, VoiceClient } from '../support/voice-client.ts';

// Silero VAD's runtime and model (about 37 MB) load on a process's first voice session, not for
// `/health`: a server that never hears a voice never pays for them. A real cai process, so that
// what it has loaded is read from its own memory map (/proc/PID/maps, Linux as CI).

const missing = await missingExecutables(['espeak-ng', 'pocketsphinx_continuous', 'sox']);
const ADMIN_KEY = 'voice-first-use-admin-key-0123456789';

function loadsOnnxRuntime(pid: number): boolean {
  return readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libonnxruntime');
}

describe.skipIf(missing.length > 0)('Silero VAD on first voice use', () => {
  let dataDir: string;
  let cai: CaiProcess;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cai-voice-first-use-'));
    cai = await startCaiProcess({
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite:${join(dataDir, 'cai.db')}`,
      ADMIN_API_KEY: ADMIN_KEY,
      LIMIT_VOICE_MESSAGES_PER_SECOND: '0',
      VOICE_STT_PROVIDER: 'local',
      VOICE_TTS_PROVIDER: 'local',
    });
  });
  afterAll(async () => {
    await cai?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is reported available by /health without being loaded, and hears the first session', async () => {
    const pid = cai.child.pid!;
    const health = (await (await fetch(`${cai.baseUrl}/health`)).json()) as {
      services: Record<string, boolean>;
      voice: Record<string, unknown>;
    };
    expect(health.services).toMatchObject({ audio_pipeline: true });
    expect(health.voice['voice_activity_detection']).toEqual({ available: true, engine: 'silero-vad' });
    expect(loadsOnnxRuntime(pid)).toBe(false);

    const created = await fetch(`${cai.baseUrl}/api/v1/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'voice' }),
    });
    expect(created.status).toBe(201);
    const { api_key: apiKey } = (await created.json()) as { api_key: string };
    const client = await VoiceClient.connect(
      `${cai.baseUrl.replace(/^http/, 'ws')}/ws?api_key=${encodeURIComponent(apiKey)}`,
    );
    client.send({ type: 'start_conversation' });
    await client.next('conversation_started');
    expect(loadsOnnxRuntime(pid)).toBe(true);
    // The turn ends only when the detector hears the user stop: it ran on the model just loaded.
    client.stream(audioChunks(spokenSamples('what is the weather today')));
    const transcript = await client.next('transcript', (message) => message['is_final'] === true);
    expect(transcript).toMatchObject({ is_final: true, turn_detected: true });
    expect(String(transcript['text'])).toMatch(/^what is\b/);
    client.close();
  });
});
