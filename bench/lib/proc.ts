import { readdirSync, readFileSync } from 'node:fs';

// Figures of another process read from /proc, so the load generator's own memory and CPU never count.

/** Resident set size (VmRSS) in KiB. */
export function readRssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream architecture.
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) used so far. Summed from each thread's schedstat (nanoseconds on
 * CPU), since /proc/PID/stat counts 10 ms ticks: too coarse for a block of a few hundred requests.
 * Threads that already exited are not in it (Node keeps its worker threads for its lifetime).
 */
export function readCpuSeconds(pid: number): number {
  try {
    let nanoseconds = 0;
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      const schedstat = readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8');
      nanoseconds += Number(schedstat.split(' ')[0]);
    }
    if (Number.isFinite(nanoseconds) && nanoseconds > 0) return nanoseconds / 1e9;
  } catch {
    // no schedstat (a kernel without CONFIG_SCHED_INFO), or a thread ended while being read
  }
  return readCpuTicks(pid) / TICKS_PER_SECOND;
}

function readCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return userTicks + systemTicks;
}

/** The open-file limit this process (and its children) runs under. */
export function readOpenFileLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  return match && match[1] !== 'unlimited' ? Number(match[1]) : Number.POSITIVE_INFINITY;
}
