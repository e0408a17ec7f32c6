// Preloaded into cai by bench/probes/request-cost.ts --allocations (node --import): on SIGUSR2 it
// writes to $ALLOCATION_REPORT_FILE what the process has allocated on V8's heap since it started
// and how many garbage collections of each kind that took, so that the probe reads bytes and
// collections per request from the difference of two reports. Node 20 has no running total of
// bytes allocated; V8's GC profiler gives the heap before and after each collection, so the total
// is what is used now plus what every collection freed.
//
// With $ALLOCATION_PROFILE_FILE set it also samples allocations (one per 32 KiB by default,
// $ALLOCATION_PROFILE_INTERVAL) with the stacks that made them, garbage included: `node --heap-prof`
// keeps only what is still live at exit, which leaves out a request's garbage, the very thing to
// find. Each report rewrites the profile (a .heapprofile, as Chrome's DevTools read it).
// $ALLOCATION_PROFILE_KEEP=promoted keeps only what no young-generation collection freed: what
// lived long enough to be promoted (and what is still alive), the garbage that fills the old
// generation and costs full collections.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import process from 'node:process';
import v8 from 'node:v8';

const reportFile = process.env.ALLOCATION_REPORT_FILE;
const profileFile = process.env.ALLOCATION_PROFILE_FILE;

let profiler = new v8.GCProfiler();
profiler.start();
let freedBytes = 0;
let gcMicros = 0;
const collections = {};

/** Folds the collections since the last call into the totals, and profiles on. */
function collectStatistics() {
  const { statistics } = profiler.stop();
  profiler = new v8.GCProfiler();
  profiler.start();
  for (const collection of statistics) {
    freedBytes +=
      collection.beforeGC.heapStatistics.usedHeapSize - collection.afterGC.heapStatistics.usedHeapSize;
    gcMicros += collection.cost;
    collections[collection.gcType] = (collections[collection.gcType] ?? 0) + 1;
  }
}

const session = new Session();
if (profileFile !== undefined) {
  session.connect();
  session.post('HeapProfiler.startSampling', {
    samplingInterval: Number(process.env.ALLOCATION_PROFILE_INTERVAL ?? 32768),
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: process.env.ALLOCATION_PROFILE_KEEP !== 'promoted',
  });
}

process.on('SIGUSR2', () => {
  collectStatistics();
  const report = {
    allocatedBytes: v8.getHeapStatistics().used_heap_size + freedBytes,
    gcMicros,
    collections: { ...collections },
  };
  if (profileFile === undefined) return writeFileSync(reportFile, JSON.stringify(report));
  session.post('HeapProfiler.getSamplingProfile', (error, result) => {
    if (error === null) writeFileSync(profileFile, JSON.stringify(result.profile));
    writeFileSync(reportFile, JSON.stringify(report));
  });
});
