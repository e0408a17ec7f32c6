import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from './create-store.ts';
import type { WriterInput, WriterReport } from './testing/concurrent-writer.ts';

// better-sqlite3 is synchronous: writers in one event loop never overlap. Real contention
// needs separate threads, each with its own connection to the same file.

const WRITERS = 50;
const MESSAGES_PER_WRITER = 10;

/**
 * Worker threads do not get vitest's TypeScript transform, and a TypeScript loader in each of 50
 * threads costs seconds apiece: the writer is bundled once (esbuild, which vite and tsx bring)
 * into a CommonJS script that every worker evaluates. The drivers stay external, resolved from
 * the project's node_modules (an eval'd worker resolves `require` from the working directory).
 */
async function bundleWriter(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `
        import { parentPort, workerData } from 'node:worker_threads';
        import { runWriter } from './testing/concurrent-writer.ts';
        runWriter(workerData).then((report) => parentPort.postMessage(report));
      `,
      resolveDir: dirname(fileURLToPath(import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3', 'pg'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

function startWriter(options: { script: string; input: WriterInput }): Promise<WriterReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(options.script, { eval: true, workerData: options.input });
    worker.once('message', (report: WriterReport) => resolve(report));
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`writer ${options.input.writer} exited (${code}) without a report`)),
    );
  });
}

describe('SQLite under concurrent writers', () => {
  const directory = mkdtempSync(join(tmpdir(), 'cai-sqlite-concurrency-'));
  let script: string;

  beforeAll(async () => {
    script = await bundleWriter();
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it(`${WRITERS} writers on one file never surface SQLITE_BUSY and every write lands`, async () => {
    const url = `sqlite:${join(directory, 'cai.db')}`;
    const store = await createStore({ url });
    const tenant = await store.createTenant({ name: 'Busy' });
    const scope = { tenantId: tenant.id };
    const conversation = await store.createConversation(scope, { userId: null });

    const startSignal = new SharedArrayBuffer(8);
    const signal = new Int32Array(startSignal);
    let failed = false;
    const reports = Array.from({ length: WRITERS }, (_, writer) =>
      startWriter({
        script,
        input: {
          url,
          tenantId: tenant.id,
          conversationId: conversation.id,
          writer,
          messages: MESSAGES_PER_WRITER,
          startSignal,
        },
      }).catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    );
    // Release the writers together once all are ready (or stop waiting when one died).
    while (Atomics.load(signal, 1) < WRITERS && !failed)
      await new Promise((resolve) => setTimeout(resolve, 20));
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);

    const results = await Promise.all(reports);
    expect(results.flatMap((result) => result.errors)).toEqual([]);
    expect(results.map((result) => result.created)).toEqual(Array(WRITERS).fill(MESSAGES_PER_WRITER));
    const stored = await store.listMessages(scope, conversation.id, { offset: 0, limit: 1, order: 'asc' });
    expect(stored.total).toBe(WRITERS * MESSAGES_PER_WRITER);
    await store.close();
  }, 120_000);
});
