import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../src/voice/audio/wav.ts';
import { missingExecutables } from '../../src/voice/engine-test-support.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { spokenSamples } from '../support/voice-client.ts';

// Doc 001's Python client example, run by Debian's python3 with its python3-websockets, against
// the server. The document's code is kept as written; changed are the URI's host and port, and
// added is what it leaves to the user: sending the audio (its `import base64` is for that), here
// an espeak-ng WAV file read with Python's `wave` module and sent in base64 WAV chunks of
// CHUNK_SIZE = 1024 frames, in real time. The document's loop listens forever; the test stops the
// process once the AI has answered. No credentials, as in the document: ALLOW_ANONYMOUS=true.

const PYTHON = '/usr/bin/python3';
const missing = await missingExecutables([PYTHON, 'espeak-ng', 'pocketsphinx_continuous', 'sox']);

const CLIENT = (uri: string) => `
import asyncio
import websockets
import json
import base64

# ---- added: the audio the document leaves to the user ----
import io
import sys
import wave

CHUNK_SIZE = 1024

def wav_chunks(path):
    with wave.open(path, "rb") as source:
        while True:
            frames = source.readframes(CHUNK_SIZE)
            if not frames:
                return
            buffer = io.BytesIO()
            with wave.open(buffer, "wb") as chunk:
                chunk.setnchannels(source.getnchannels())
                chunk.setsampwidth(source.getsampwidth())
                chunk.setframerate(source.getframerate())
                chunk.writeframes(frames)
            yield base64.b64encode(buffer.getvalue()).decode("ascii")

async def send_audio(websocket):
    for audio_data in wav_chunks(sys.argv[1]):
        await websocket.send(json.dumps({"type": "audio_chunk", "audio_data": audio_data}))
        await asyncio.sleep(CHUNK_SIZE / 16000)
# ---- end of the addition ----

async def client():
    uri = "${uri}"
    
    async with websockets.connect(uri) as websocket:
        # Start conversation
        await websocket.send(json.dumps({
            "type": "start_conversation"
        }))
        asyncio.ensure_future(send_audio(websocket))  # added
        
        # Listen for messages
        async for message in websocket:
            data = json.loads(message)
            
            if data["type"] == "transcript":
                print(f"Transcript: {data['text']}")
            elif data["type"] == "ai_response":
                print(f"AI: {data['text']}")

# Run client
asyncio.run(client())
`;

let server: TestApp;
let directory: string;

beforeAll(async () => {
  server = await startTestApp({ ALLOW_ANONYMOUS: 'true' });
  directory = mkdtempSync(join(tmpdir(), 'cai-doc-001-python-'));
});
afterAll(async () => {
  await server.close();
  rmSync(directory, { recursive: true, force: true });
});

describe.skipIf(missing.length > 0)("doc 001's Python client", () => {
  it('starts the conversation, and prints the transcript of the WAV it sends and the AI reply', async () => {
    const port = new URL(server.baseUrl).port;
    const script = join(directory, 'client.py');
    const audio = join(directory, 'speech.wav');
    writeFileSync(script, CLIENT(`ws://127.0.0.1:${port}/ws`));
    writeFileSync(
      audio,
      writeWav({ sampleRate: 16_000, channels: 1, samples: spokenSamples('what is the weather today') }),
    );

    // -u: unbuffered, so each print reaches the test as it happens.
    const child = spawn(PYTHON, ['-u', script, audio], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const printed: string[] = [];
    try {
      for await (const line of createInterface({ input: child.stdout })) {
        printed.push(line);
        if (line.startsWith('AI: ')) break;
      }
    } finally {
      child.kill();
    }
    await exited;

    expect(printed, stderr).toHaveLength(2);
    expect(printed[0]).toMatch(/^Transcript: what is\b/);
    const heard = printed[0]!.slice('Transcript: '.length);
    expect(printed[1]).toContain(`You said: "${heard}".`);
  });
});
