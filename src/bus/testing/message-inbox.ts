import { isDeepStrictEqual } from 'node:util';
import type { JsonValue, MessageHandler } from '../bus.ts';

// Collects what a subscription receives, and lets a test wait for one message. The timeout only
// keeps a broken test from hanging; no test asserts how fast a message arrives.

export class MessageInbox {
  readonly messages: JsonValue[] = [];
  readonly #waiters = new Set<{ expected: JsonValue; times: number; resolve: () => void }>();

  readonly handler: MessageHandler = (message) => {
    this.messages.push(message);
    for (const waiter of [...this.#waiters]) {
      if (this.#countOf(waiter.expected) >= waiter.times) waiter.resolve();
    }
  };

  /** Resolves once `expected` has arrived `times` times in all (counting those before the call). */
  async receive(expected: JsonValue, options: { times?: number; timeoutMs?: number } = {}): Promise<void> {
    const times = options.times ?? 1;
    if (this.#countOf(expected) >= times) return;
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        expected,
        times,
        resolve: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`never received ${JSON.stringify(expected)}; got ${JSON.stringify(this.messages)}`));
      }, options.timeoutMs ?? 10_000);
      this.#waiters.add(waiter);
    });
  }

  #countOf(expected: JsonValue): number {
    return this.messages.filter((message) => isDeepStrictEqual(message, expected)).length;
  }
}
