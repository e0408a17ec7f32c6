import type { ProtocolSocket } from '../../src/transports/ws/protocol-socket.ts';

/** A ProtocolSocket that records what a protocol module sends, for tests without a network. */
export class FakeProtocolSocket implements ProtocolSocket {
  readonly sent: unknown[] = [];
  closed: { code: number; reason: string | undefined } | undefined;
  #waiters: Array<{ predicate: (message: unknown) => boolean; resolve: (message: unknown) => void }> = [];

  get isOpen(): boolean {
    return this.closed === undefined;
  }

  sendJson(message: unknown): void {
    if (!this.isOpen) return;
    // A copy through JSON, as the wire would make it.
    const copy = JSON.parse(JSON.stringify(message)) as unknown;
    this.sent.push(copy);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.predicate(copy)) return true;
      waiter.resolve(copy);
      return false;
    });
  }

  close(code: number, reason?: string): void {
    if (this.closed === undefined) this.closed = { code, reason };
  }

  /** Resolves with the first message (already sent or still to come) that matches. */
  waitFor<T = Record<string, unknown>>(predicate: (message: Record<string, unknown>) => boolean): Promise<T> {
    const test = (message: unknown) =>
      typeof message === 'object' && message !== null && predicate(message as Record<string, unknown>);
    const found = this.sent.find(test);
    if (found !== undefined) return Promise.resolve(found as T);
    return new Promise((resolve) =>
      this.#waiters.push({ predicate: test, resolve: resolve as (message: unknown) => void }),
    );
  }

  ofType(type: string): Array<Record<string, unknown>> {
    return this.sent.filter(
      (message): message is Record<string, unknown> =>
        typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type,
    );
  }
}
