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

interface Retained {
  seq: number;
  sentAt: number;
  message: Record<string, unknown>;
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
  // Allocated on first send, so an idle connection costs nothing here.
  #retained: Retained[] | undefined;
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
    const retained = (this.#retained ??= []);
    retained.push({ seq, sentAt: now, message: stamped });
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
    const retained = this.#retained ?? [];
    const oldestSeq = retained[this.#head]?.seq ?? this.#lastSeq + 1;
    if (afterSeq < oldestSeq - 1 || afterSeq > this.#lastSeq) return { resumed: false, oldestSeq };
    this.#socket = socket;
    let replayed = 0;
    for (let index = this.#head; index < retained.length; index += 1) {
      const entry = retained[index]!;
      if (entry.seq > afterSeq) {
        socket.sendJson(entry.message);
        replayed += 1;
      }
    }
    return { resumed: true, replayed };
  }

  detach(): void {
    this.#socket = undefined;
  }

  #trim(now: number): void {
    const retained = this.#retained;
    if (retained === undefined) return;
    // Dropping from the front moves a head index, not the array (a busy session keeps thousands
    // of messages: shifting them on every send made each send cost the whole buffer).
    let head = this.#head;
    while (
      head < retained.length &&
      (retained.length - head > this.#maxRetained || now - retained[head]!.sentAt > this.#retainMs)
    ) {
      head += 1;
    }
    if (head >= COMPACT_AFTER && head * 2 >= retained.length) {
      retained.splice(0, head);
      head = 0;
    }
    this.#head = head;
  }
}
