// Bytes a chat turn's store calls allocate, in one process without HTTP: a new conversation with
// its first message, the reply appended, the history read, on a fresh SQLite file (or the
// DATABASE_URL given). For quick before/after readings of the store's hot path; the whole request
// is measured by request-cost.ts --allocations.
//
//   npx tsx bench/probes/store-allocations.ts [turns] [database-url]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { uuidv7 } from '../../src/core/ids.ts';
import { createStore } from '../../src/store/create-store.ts';

const turns = Number(process.argv[2] ?? 5000);
const directory = mkdtempSync(join(tmpdir(), 'cai-store-allocations-'));
const store = await createStore({ url: process.argv[3] ?? `sqlite:${join(directory, 'cai.db')}` });
const tenant = await store.createTenant({ name: 'probe' });
const scope = { tenantId: tenant.id };

async function turn(): Promise<void> {
  const conversationId = uuidv7();
  await store.createConversationWithMessage(scope, {
    conversation: { id: conversationId, userId: null, title: null },
    message: { role: 'user', content: 'Benchmark request: please reply.', status: 'complete' },
  });
  await store.appendMessage(scope, {
    conversationId,
    role: 'assistant',
    content: 'w0 w1 ',
    status: 'complete',
    model: 'openai:bench',
    usage: { inputTokens: 10, outputTokens: 2, totalTokens: 12 },
  });
}

/** V8 heap bytes allocated while `work` runs: what is used after, plus what collections freed. */
async function allocatedBy(work: () => Promise<void>): Promise<number> {
  const profiler = new v8.GCProfiler();
  const usedBefore = v8.getHeapStatistics().used_heap_size;
  profiler.start();
  await work();
  const { statistics } = profiler.stop();
  const freed = statistics.reduce(
    (sum, collection) =>
      sum + collection.beforeGC.heapStatistics.usedHeapSize - collection.afterGC.heapStatistics.usedHeapSize,
    0,
  );
  return v8.getHeapStatistics().used_heap_size + freed - usedBefore;
}

const run = async () => {
  for (let index = 0; index < turns; index += 1) await turn();
};
await run(); // warm-up
for (let round = 1; round <= 3; round += 1) {
  const bytes = await allocatedBy(run);
  console.log(
    `round ${round}: ${(bytes / 1024 / turns).toFixed(2)} KiB per turn (create with message, append)`,
  );
}
await store.close();
rmSync(directory, { recursive: true, force: true });
