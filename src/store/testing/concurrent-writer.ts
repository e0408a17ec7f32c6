import { createStore } from '../create-store.ts';

// One writer of sqlite-concurrency.test.ts, run in its own worker thread with its own Store
// (its own SQLite connection), so that writers really contend for the database file.

export interface WriterInput {
  url: string;
  tenantId: string;
  conversationId: string;
  writer: number;
  messages: number;
  /** Int32Array over a SharedArrayBuffer: [0] the go flag, [1] how many writers are ready. */
  startSignal: SharedArrayBuffer;
}

export interface WriterReport {
  writer: number;
  created: number;
  errors: Array<{ code: unknown; message: string }>;
}

export async function runWriter(input: WriterInput): Promise<WriterReport> {
  const store = await createStore({ url: input.url });
  // Every writer opens its store first, then all start writing at once.
  const signal = new Int32Array(input.startSignal);
  Atomics.add(signal, 1, 1);
  Atomics.wait(signal, 0, 0);

  const report: WriterReport = { writer: input.writer, created: 0, errors: [] };
  const scope = { tenantId: input.tenantId };
  for (let index = 0; index < input.messages; index += 1) {
    try {
      // A read-then-write transaction that also updates the one conversation row all writers share,
      // then a plain autocommit write.
      const result = await store.appendMessage(scope, {
        conversationId: input.conversationId,
        role: 'user',
        content: `writer ${input.writer} message ${index}`,
        status: 'complete',
        clientMessageId: `${input.writer}-${index}`,
      });
      if (result.created) report.created += 1;
      await store.ensureUser(input.tenantId, `user-${input.writer}-${index % 3}`);
    } catch (error) {
      report.errors.push({ code: (error as { code?: unknown }).code, message: (error as Error).message });
    }
  }
  await store.close();
  return report;
}
