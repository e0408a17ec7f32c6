// Preloaded into cai by bench/probes/memory-probe.ts (node --import): on SIGUSR2 it writes what
// the process's memory is made of to MEMORY_REPORT_FILE, after two full garbage collections when
// MEMORY_REPORT_LIVE=1 (what is live), as they stand otherwise (live and not yet collected).
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import v8 from 'node:v8';
import vm from 'node:vm';

// A probe may do what the server never does: collect garbage on demand.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc');
const mebibytes = (bytes) => Math.round((bytes / 1048576) * 10) / 10;

process.on('SIGUSR2', () => {
  if (process.env.MEMORY_REPORT_LIVE === '1') {
    collectGarbage();
    collectGarbage();
  }
  const usage = process.memoryUsage();
  const report = {
    rss: mebibytes(usage.rss),
    heapTotal: mebibytes(usage.heapTotal),
    heapUsed: mebibytes(usage.heapUsed),
    external: mebibytes(usage.external),
    spaces: Object.fromEntries(
      v8
        .getHeapSpaceStatistics()
        .filter((space) => space.space_size > 0)
        .map((space) => [
          space.space_name,
          { size: mebibytes(space.space_size), used: mebibytes(space.space_used_size) },
        ]),
    ),
    mappings: residentByMapping(readFileSync('/proc/self/smaps', 'utf8')),
  };
  writeFileSync(process.env.MEMORY_REPORT_FILE, JSON.stringify(report));
});

/** Resident MiB by what is mapped: the node binary, other files, malloc's heap, anonymous memory. */
function residentByMapping(smaps) {
  const totals = {};
  let kind = '';
  for (const line of smaps.split('\n')) {
    const mapping = /^[0-9a-f]+-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const name = mapping[2];
      kind =
        name === process.execPath
          ? 'node binary'
          : name === '[heap]'
            ? 'malloc heap'
            : name === '' || name.startsWith('[anon')
              ? 'anonymous (V8 heap, thread arenas)'
              : name.startsWith('/')
                ? 'other files (libraries, native addons)'
                : 'other';
      continue;
    }
    const resident = /^Rss:\s+(\d+) kB/.exec(line);
    if (resident) totals[kind] = (totals[kind] ?? 0) + Number(resident[1]) / 1024;
  }
  return Object.fromEntries(
    Object.entries(totals).map(([name, value]) => [name, Math.round(value * 10) / 10]),
  );
}
