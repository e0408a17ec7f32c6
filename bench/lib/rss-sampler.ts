import { readRssKiB } from './proc.ts';

// The peak resident memory of a few processes while a load runs, read from /proc every
// `intervalMs`: a peak shorter than the interval can be missed, so it is a lower bound.

export class RssSampler {
  readonly #pids: Map<string, number>;
  readonly #peaks = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(pids: Record<string, number>) {
    this.#pids = new Map(Object.entries(pids));
  }

  start(intervalMs = 100): void {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  /** Stops sampling; answers each process's peak in KiB. */
  stop(): Record<string, number> {
    clearInterval(this.#timer);
    this.#sample();
    return Object.fromEntries(this.#peaks);
  }

  #sample(): void {
    for (const [name, pid] of this.#pids) {
      try {
        this.#peaks.set(name, Math.max(this.#peaks.get(name) ?? 0, readRssKiB(pid)));
      } catch {
        // the process ended: its last peak stands
      }
    }
  }
}
