// A single-consumer async queue: the producer pushes as frames arrive, the consumer iterates at
// its own pace; everything is buffered, and an error ends the iteration by throwing.

export class EventQueue<Item> implements AsyncIterable<Item> {
  #items: Item[] = [];
  #waiting: ((result: IteratorResult<Item>) => void) | undefined;
  #failWaiting: ((error: unknown) => void) | undefined;
  #done = false;
  #error: unknown;
  #iterated = false;

  push(item: Item): void {
    if (this.#done) return;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#clearWaiting();
      waiting({ value: item, done: false });
    } else this.#items.push(item);
  }

  end(error?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    const waiting = this.#waiting;
    const failWaiting = this.#failWaiting;
    this.#clearWaiting();
    if (error !== undefined) failWaiting?.(error);
    else waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<Item> {
    if (this.#iterated) throw new Error('This stream can be iterated only once.');
    this.#iterated = true;
    return {
      next: () => {
        const item = this.#items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.#done) {
          return this.#error === undefined
            ? Promise.resolve({ value: undefined, done: true })
            : Promise.reject(this.#error);
        }
        return new Promise((resolve, reject) => {
          this.#waiting = resolve;
          this.#failWaiting = reject;
        });
      },
      return: () => {
        this.#items = [];
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  #clearWaiting(): void {
    this.#waiting = undefined;
    this.#failWaiting = undefined;
  }
}

/** A promise with its settle functions, that never counts as an unhandled rejection. */
export function deferred<Value>(): {
  promise: Promise<Value>;
  resolve: (value: Value) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: Value) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<Value>((settleResolve, settleReject) => {
    resolve = settleResolve;
    reject = settleReject;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
