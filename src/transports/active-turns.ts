import type { Turn } from '../core/conversation-engine.ts';

// Every turn a transport is streaming, so shutdown can wait for them to finish and, at the drain
// deadline, interrupt the rest (which stores what was produced as interrupted).

export class ActiveTurns {
  readonly #turns = new Set<Turn>();
  #idle: Array<() => void> = [];

  get size(): number {
    return this.#turns.size;
  }

  /** Tracks a turn until `done` settles. */
  track(turn: Turn, done: Promise<unknown>): void {
    this.#turns.add(turn);
    void done.finally(() => {
      this.#turns.delete(turn);
      if (this.#turns.size === 0) {
        const waiting = this.#idle;
        this.#idle = [];
        for (const resolve of waiting) resolve();
      }
    });
  }

  /** Resolves when no turn is running. */
  whenIdle(): Promise<void> {
    if (this.#turns.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  interruptAll(): void {
    for (const turn of this.#turns) turn.interrupt();
  }
}
