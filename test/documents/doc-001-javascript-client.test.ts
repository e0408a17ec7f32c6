import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { rms } from '../../src/voice/audio/audio-test-kit.ts';
import { parseWav } from '../../src/voice/audio/wav.ts';
import { missingExecutables } from '../../src/voice/engine-test-support.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { audioChunks, spokenSamples } from '../support/voice-client.ts';

// Doc 001's JavaScript client example, as written: connect to /ws, start the conversation on open,
// log transcripts and AI responses, play the response audio, send audio chunks. Only the host and
// port change, and what the document leaves to the user: `playAudio` (here it decodes the WAV)
// and the audio handed to `sendAudioChunk` (espeak-ng speech in base64 WAV chunks of CHUNK_SIZE =
// 1024 samples, sent in real time). The document's client has no credentials: the server runs
// with ALLOW_ANONYMOUS=true, as the document describes it. Node 20 has no global WebSocket, so the
// `ws` package stands in for the browser's.

const missing = await missingExecutables(['espeak-ng', 'pocketsphinx_continuous', 'sox']);

let server: TestApp;

beforeAll(async () => {
  server = await startTestApp({ ALLOW_ANONYMOUS: 'true' });
});
afterAll(() => server.close());

const CHUNK_SIZE = 1024;
const CHUNK_MS = (CHUNK_SIZE / 16_000) * 1000;

describe.skipIf(missing.length > 0)("doc 001's JavaScript client", () => {
  it('connects, starts the conversation, streams speech, and gets the transcript and the spoken reply', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const logged: unknown[][] = [];
    const played: string[] = [];
    const answered = new Promise<void>((resolve) => {
      log.mockImplementation((...items: unknown[]) => {
        logged.push(items);
        if (items[0] === 'AI Response:') resolve();
      });
    });
    const opened = new Promise<void>((resolve) => {
      const wait = setInterval(() => {
        if (logged.some((items) => items[0] === 'Connected to AI')) {
          clearInterval(wait);
          resolve();
        }
      }, 5);
    });
    // Left to the user by the document: play the base64 WAV. Here: keep it.
    const playAudio = (audioData: string) => played.push(audioData);
    const port = new URL(server.baseUrl).port;

    // ---- the document's code, from here ----
    // Connect to WebSocket
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);

    // Handle connection
    ws.onopen = () => {
      console.log('Connected to AI');

      // Start conversation
      ws.send(
        JSON.stringify({
          type: 'start_conversation',
        }),
      );
    };

    // Handle messages
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data as string);

      switch (data.type) {
        case 'transcript':
          console.log('Transcript:', data.text);
          break;
        case 'ai_response':
          console.log('AI Response:', data.text);
          // Play audio response
          playAudio(data.audio_data);
          break;
      }
    };

    // Send audio chunk
    function sendAudioChunk(audioData: string) {
      ws.send(
        JSON.stringify({
          type: 'audio_chunk',
          audio_data: audioData,
        }),
      );
    }
    // ---- to here ----

    try {
      await opened;
      for (const chunk of audioChunks(spokenSamples('what is the weather today'), CHUNK_MS)) {
        sendAudioChunk(chunk);
        await new Promise((resolve) => setTimeout(resolve, CHUNK_MS));
      }
      await answered;
    } finally {
      ws.close();
      log.mockRestore();
    }

    const transcripts = logged.filter((items) => items[0] === 'Transcript:');
    expect(transcripts).toHaveLength(1);
    expect(String(transcripts[0]![1])).toMatch(/^what is\b/);
    const response = logged.find((items) => items[0] === 'AI Response:')!;
    expect(String(response[1])).toContain(`You said: "${String(transcripts[0]![1])}".`);
    expect(played.length).toBeGreaterThanOrEqual(1);
    const audio = parseWav(new Uint8Array(Buffer.from(played[0]!, 'base64')));
    expect(audio).toMatchObject({ sampleRate: 16_000, channels: 1 });
    expect(rms(audio.samples)).toBeGreaterThan(500);
  });
});
