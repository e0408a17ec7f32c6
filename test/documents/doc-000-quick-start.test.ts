import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// Doc 000's JavaScript quick start, as written: connect, send a COMPLETION on open, log what comes
// back. Only the URL's host, port and credentials change (`wss://api.example.com`, `token`,
// `org123`), and Node 20 has no global WebSocket, so the `ws` package stands in for the browser's.
// The document's code logs what it receives; the test reads those logs.

let server: TestApp;
let tenant: { tenantId: string; apiKey: string };

beforeAll(async () => {
  server = await startTestApp();
  tenant = await server.createTenant('quick-start');
});
afterAll(() => server.close());

type Data = Record<string, unknown>;

describe("doc 000's quick start", () => {
  it('connects, sends the completion request and receives the streamed reply', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const received: Data[] = [];
    const logged: unknown[] = [];
    const done = new Promise<void>((resolve) => {
      log.mockImplementation((label: unknown, data: unknown) => {
        logged.push(label);
        if (label !== 'Received:') return;
        received.push(data as Data);
        if ((data as Data)['type'] === 'COMPLETION_ENDED') resolve();
      });
    });
    const port = new URL(server.baseUrl).port;
    const token = encodeURIComponent(tenant.apiKey);

    // ---- the document's code, from here ----
    // 1. Establish Connection
    const ws = new WebSocket(
      `ws://127.0.0.1:${port}/?authorization=Bearer%20${token}&orgId=${tenant.tenantId}`,
    );

    ws.onopen = () => {
      console.log('Connected to CAI Service');

      // 2. Send Completion Request
      ws.send(
        JSON.stringify({
          type: 'COMPLETION',
          payload: {
            prompt: 'Hello, how can you help me today?',
            model: 'default',
          },
        }),
      );
    };

    // 3. Handle Responses
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data as string);
      console.log('Received:', data);
    };
    // ---- to here ----

    try {
      await done;
    } finally {
      ws.close();
      log.mockRestore();
    }

    expect(logged[0]).toBe('Connected to CAI Service');
    const types = received.map((data) => data['type']);
    expect(types[0]).toBe('CONNECTED');
    expect(types[1]).toBe('COMPLETION_STARTED');
    expect(types.at(-1)).toBe('COMPLETION_ENDED');
    const chunks = received.filter((data) => data['type'] === 'COMPLETION_CHUNK');
    expect(chunks.length).toBeGreaterThan(1);
    const end = received.at(-1)!;
    expect(end).toMatchObject({ finishReason: 'stop', requestId: received[1]!['requestId'] });
    expect(typeof end['text']).toBe('string');
    expect((end['text'] as string).length).toBeGreaterThan(0);
    expect(chunks.map((chunk) => chunk['text']).join('')).toBe(end['text']);
    expect(received.filter((data) => data['type'] === 'ERROR')).toEqual([]);
  });
});
