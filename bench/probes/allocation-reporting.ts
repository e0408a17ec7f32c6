import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../lib/clock.ts';
import { summarizeHeapProfile } from '../lib/heap-profile-summary.ts';
import type { ProbeServer } from './probe-server.ts';

// What the probes (request-cost.ts, stream-cost.ts) share to read what a server allocates: their
// `--allocations`, `--allocation-profile DIR` and `--node-argument FLAG` options, and
// allocation-report.mjs preloaded into each server, asked for a report on SIGUSR2.

/** What allocation-report.mjs writes: totals since the server started. */
export interface AllocationReport {
  allocatedBytes: number;
  gcMicros: number;
  /** Collections by V8's GC type (Scavenge, MinorMarkCompact, MarkSweepCompact, …). */
  collections: Record<string, number>;
}

const reporter = fileURLToPath(new URL('./allocation-report.mjs', import.meta.url));

/** The value after `name` on the command line. */
export const argumentValue = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};

export class AllocationReporting {
  /** `--allocation-profile DIR`: also sample where the bytes were allocated. */
  readonly profileDirectory = argumentValue('--allocation-profile');
  /** `--allocations` (implied by `--allocation-profile`). */
  readonly enabled = process.argv.includes('--allocations') || this.profileDirectory !== undefined;
  /** Every `--node-argument FLAG`, for each server's node. */
  readonly #nodeArguments = process.argv.flatMap((argument, index) =>
    argument === '--node-argument' ? [process.argv[index + 1]!] : [],
  );
  readonly #reportDirectory = mkdtempSync(join(tmpdir(), 'cai-allocation-report-'));

  constructor() {
    if (this.profileDirectory !== undefined) mkdirSync(this.profileDirectory, { recursive: true });
  }

  /** The node arguments and environment that server `name` starts with. */
  serverOptions(name: string): { nodeArguments: string[]; environment: NodeJS.ProcessEnv } {
    return {
      nodeArguments: [...(this.enabled ? ['--import', reporter] : []), ...this.#nodeArguments],
      environment: this.enabled
        ? {
            ALLOCATION_REPORT_FILE: this.#reportFile(name),
            ...(this.profileDirectory === undefined
              ? {}
              : {
                  ALLOCATION_PROFILE_FILE: this.#profileFile(name),
                  // `promoted`: only what outlived a young-generation collection (allocation-report.mjs).
                  ...(process.env.ALLOCATION_PROFILE_KEEP === undefined
                    ? {}
                    : { ALLOCATION_PROFILE_KEEP: process.env.ALLOCATION_PROFILE_KEEP }),
                }),
          }
        : {},
    };
  }

  /** Signals the server's reporter and waits for what it writes (it also rewrites the profile). */
  async report(server: ProbeServer): Promise<AllocationReport> {
    const file = this.#reportFile(server.name);
    rmSync(file, { force: true });
    process.kill(server.pid, 'SIGUSR2');
    while (!existsSync(file)) await sleep(10);
    await sleep(10);
    return JSON.parse(readFileSync(file, 'utf8')) as AllocationReport;
  }

  /** Where the server allocated, from its sampled profile, when one was asked for. */
  async profileSummary(server: ProbeServer, top?: number): Promise<string | undefined> {
    if (this.profileDirectory === undefined) return undefined;
    await this.report(server); // rewrites the profile with everything sampled so far
    return summarizeHeapProfile(this.#profileFile(server.name), top);
  }

  remove(): void {
    rmSync(this.#reportDirectory, { recursive: true, force: true });
  }

  #reportFile(name: string): string {
    return join(this.#reportDirectory, `${name}.json`);
  }

  #profileFile(name: string): string {
    return join(this.profileDirectory!, `${name}.heapprofile`);
  }
}
