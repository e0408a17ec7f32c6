import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAiServer } from '../../test/fakes/fake-openai-server.ts';
import type { FakeVendorServer } from '../../test/fakes/fake-vendor-server.ts';

// The vendors' real endpoints are HTTPS: both Chat Completions clients over TLS to a local fake with
// a certificate of its own, trusted the way an operator trusts a private CA (NODE_EXTRA_CA_CERTS,
// read at start, hence a process per call), and refused when it is not trusted.

const run = promisify(execFile);
const fixture = (name: string) =>
  fileURLToPath(new URL(`../../test/fakes/__fixtures__/${name}`, import.meta.url));
const certificatePath = fixture('tls-localhost-cert.pem');
const script = fileURLToPath(new URL('../../test/support/stream-once.ts', import.meta.url));

let server: FakeVendorServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer({
    tls: {
      key: readFileSync(fixture('tls-localhost-key.pem'), 'utf8'),
      cert: readFileSync(certificatePath, 'utf8'),
    },
  });
});
afterAll(() => server.close());

async function streamOnce(environment: Record<string, string>): Promise<{
  text: string;
  error?: { kind: string; message: string };
}> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script], {
    env: {
      PATH: process.env.PATH,
      OPENAI_API_KEY: 'sk-tls',
      OPENAI_BASE_URL: server.baseUrl,
      ...environment,
    },
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
}

describe.each(['direct', 'ai-sdk'])('the %s Chat Completions client over HTTPS', (client) => {
  it('streams a reply from a provider whose certificate is trusted', async () => {
    const before = server.requests.length;
    const result = await streamOnce({
      CHAT_COMPLETIONS_CLIENT: client,
      NODE_EXTRA_CA_CERTS: certificatePath,
    });
    expect(result).toEqual({ text: 'Hello! How can I help you today?' });
    expect(server.requests[before]?.headers.authorization).toBe('Bearer sk-tls');
  });

  it('refuses a provider whose certificate is not trusted, sending it nothing', async () => {
    const before = server.requests.length;
    const result = await streamOnce({ CHAT_COMPLETIONS_CLIENT: client });
    expect(result.text).toBe('');
    expect(result.error?.kind).toBe('upstream');
    expect(result.error?.message).toMatch(/certificate/i);
    expect(server.requests.length).toBe(before);
  });
});
