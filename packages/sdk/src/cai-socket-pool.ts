import { CaiSocket, type CaiSocketOptions, type CompleteOptions } from './cai-socket.ts';
import type { Completion } from './completion.ts';

// A few doc 000 sockets shared by a server-side process: each completion goes to the least busy
// live socket (ties in turn), and a socket that closed for good is replaced on the next use.
// Sockets reconnect and resume on their own; the pool only replaces those that gave up.

export interface CaiSocketPoolOptions extends CaiSocketOptions {
  /** Sockets kept (default 4). */
  size?: number;
  /** Makes a socket (default: new CaiSocket(options)); for instrumentation. */
  createSocket?: (options: CaiSocketOptions) => CaiSocket;
}

const DEFAULT_SIZE = 4;

interface PoolSlot {
  socket: CaiSocket;
  /** Settles when its first connect does. */
  ready: Promise<void>;
}

export class CaiSocketPool {
  readonly #options: CaiSocketPoolOptions;
  readonly #size: number;
  readonly #slots: (PoolSlot | undefined)[];
  #next = 0;
  #closed = false;

  constructor(options: CaiSocketPoolOptions) {
    this.#options = options;
    this.#size = options.size ?? DEFAULT_SIZE;
    if (!Number.isInteger(this.#size) || this.#size < 1)
      throw new TypeError('size must be a positive integer.');
    this.#slots = new Array<PoolSlot | undefined>(this.#size).fill(undefined);
  }

  get size(): number {
    return this.#size;
  }

  /** The sockets now in the pool (some may still be connecting). */
  get sockets(): readonly CaiSocket[] {
    return this.#slots.flatMap((slot) => (slot === undefined ? [] : [slot.socket]));
  }

  /** Completions in flight over all sockets. */
  get inFlight(): number {
    return this.sockets.reduce((total, socket) => total + socket.inFlight, 0);
  }

  /** Opens every socket now rather than on first use; rejects if any cannot connect. */
  async start(): Promise<void> {
    await Promise.all(this.#slots.map((_, index) => this.#socketAt(index).ready));
  }

  /** A completion on the least busy socket. */
  complete(prompt: string, options: CompleteOptions = {}): Completion {
    return this.acquire().complete(prompt, options);
  }

  /** The least busy live socket (made or replaced as needed). */
  acquire(): CaiSocket {
    if (this.#closed) throw new Error('The pool is closed.');
    let best: { index: number; load: number } | undefined;
    for (let offset = 0; offset < this.#size; offset += 1) {
      const index = (this.#next + offset) % this.#size;
      const slot = this.#slots[index];
      // An empty slot is the least busy of all: fill it.
      const load = slot === undefined ? -1 : slot.socket.inFlight;
      if (best === undefined || load < best.load) best = { index, load };
    }
    const chosen = best!.index;
    this.#next = (chosen + 1) % this.#size;
    return this.#socketAt(chosen).socket;
  }

  close(): void {
    this.#closed = true;
    for (const slot of this.#slots) slot?.socket.close();
    this.#slots.fill(undefined);
  }

  #socketAt(index: number): PoolSlot {
    const existing = this.#slots[index];
    if (existing !== undefined) return existing;
    const { size: _size, createSocket, ...socketOptions } = this.#options;
    const socket = createSocket ? createSocket(socketOptions) : new CaiSocket(socketOptions);
    const ready = socket.connect();
    // A failed connect also closes the socket, which fails its completions; nothing to report here.
    ready.catch(() => {});
    const slot = { socket, ready };
    this.#slots[index] = slot;
    socket.on('closed', () => {
      // Gave up (or was refused): free the slot, the next use makes a new socket.
      if (this.#slots[index] === slot) this.#slots[index] = undefined;
    });
    return slot;
  }
}
