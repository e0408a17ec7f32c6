import type { ProtocolSocket } from './protocol-socket.ts';

// Resumable streams: every message a session streams carries a `seq` and is kept for the resume
// grace period, so a client that lost its connection mid-reply can reconnect, say the last `seq`
// it saw, and receive each missed message exactly once, then the rest live. The reply keeps
// generating while no socket is attached.

export interface OutboxOptions {
  /** The id a client names to resume (the connection id it was given). */
  id: string;
  /** How long sent messages are kept (the resume grace period, plus a margin). */
  retainMs: number;
  /** Cap on kept messages, whatever their age. */
  maxRetained?: number;
  now?: () => number;
}

export type AttachResult = { resumed: true; replayed: number } | { resumed: false; oldestSeq: number };

const DEFAULT_MAX_RETAINED = 10_000;
// Dropped entries are cut from the array in batches of at least this many.
const COMPACT_AFTER = 256;

export class ResumableOutbox {
  readonly id: string;
  readonly #retainMs: number;
  readonly #maxRetained: number;
  readonly #now: () => number;
  #socket: ProtocolSocket | undefined;
  #lastSeq = 0;
  // What is kept, as two arrays in send order rather than an object per message: every streamed
  // token passes through here and is kept for a minute by default, so each object less is one
  // less for the garbage collector to copy and mark. Allocated on first send: an idle connection
  // keeps none.
  #messages: Array<Record<string, unknown>> | undefined;
  #sentAt: number[] | undefined;
  /** The seq of `#messages[0]`: seqs are consecutive, so the one at index i is this plus i. */
  #firstSeq = 1;
  /** Index of the oldest message still kept; those before it are dropped. */
  #head = 0;

  constructor(options: OutboxOptions) {
    this.id = options.id;
    this.#retainMs = options.retainMs;
    this.#maxRetained = options.maxRetained ?? DEFAULT_MAX_RETAINED;
    this.#now = options.now ?? Date.now;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get attached(): boolean {
    return this.#socket !== undefined && this.#socket.isOpen;
  }

  /** Stamps the next `seq` on the message, keeps it, and sends it if a socket is attached. */
  send(message: Record<string, unknown>): number {
    const seq = ++this.#lastSeq;
    const stamped = { ...message, seq };
    const now = this.#now();
    (this.#messages ??= []).push(stamped);
    (this.#sentAt ??= []).push(now);
    this.#trim(now);
    this.#socket?.sendJson(stamped);
    return seq;
  }

  /** Sends without a seq and without keeping it (per-socket messages such as CONNECTED or pong). */
  sendUnsequenced(message: unknown): void {
    this.#socket?.sendJson(message);
  }

  /**
   * Attaches a socket and replays every kept message after `afterSeq`. Refuses when messages after
   * `afterSeq` are no longer kept (the client must reload from the REST history instead).
   */
  attach(socket: ProtocolSocket, afterSeq = this.#lastSeq): AttachResult {
    this.#trim(this.#now());
    const messages = this.#messages ?? [];
    const oldestSeq = this.#head < messages.length ? this.#firstSeq + this.#head : this.#lastSeq + 1;
    if (afterSeq < oldestSeq - 1 || afterSeq > this.#lastSeq) return { resumed: false, oldestSeq };
    this.#socket = socket;
    let replayed = 0;
    for (
      let index = Math.max(this.#head, afterSeq + 1 - this.#firstSeq);
      index < messages.length;
      index += 1
    ) {
      socket.sendJson(messages[index]);
      replayed += 1;
    }
    return { resumed: true, replayed };
  }

  detach(): void {
    this.#socket = undefined;
  }

  #trim(now: number): void {
    const messages = this.#messages;
    const sentAt = this.#sentAt;
    if (messages === undefined || sentAt === undefined) return;
    // Dropping from the front moves a head index, not the arrays (a busy session keeps thousands
    // of messages: shifting them on every send made each send cost the whole buffer).
    let head = this.#head;
    while (
      head < messages.length &&
      (messages.length - head > this.#maxRetained || now - sentAt[head]! > this.#retainMs)
    ) {
      head += 1;
    }
    if (head >= COMPACT_AFTER && head * 2 >= messages.length) {
      messages.splice(0, head);
      sentAt.splice(0, head);
      this.#firstSeq += head;
      head = 0;
    }
    this.#head = head;
  }
}
