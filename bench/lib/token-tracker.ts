import { nowMs } from './clock.ts';

// Follows one reply as its text arrives and stamps the moment each expected token was complete.
// Hops may merge or split chunks, so tokens are found by position in the concatenated text.

export interface StreamRecord {
  requestId: string;
  startedAt: number;
  /** Arrival time of each expected token (undefined: never arrived). */
  tokenAt: Array<number | undefined>;
  /** Tokens that arrived with the expected text. */
  delivered: number;
  endedAt?: number;
  error?: string;
}

export class TokenTracker {
  readonly #tokens: readonly string[];
  readonly #ends: number[];
  readonly #expected: string;
  readonly record: StreamRecord;
  #text = '';
  #next = 0;

  constructor(options: { requestId: string; tokens: readonly string[]; startedAt?: number }) {
    this.#tokens = options.tokens;
    let end = 0;
    this.#ends = options.tokens.map((token) => (end += token.length));
    this.#expected = options.tokens.join('');
    this.record = {
      requestId: options.requestId,
      startedAt: options.startedAt ?? nowMs(),
      tokenAt: options.tokens.map(() => undefined),
      delivered: 0,
    };
  }

  onText(text: string, at = nowMs()): void {
    if (text === '') return;
    this.#text += text;
    while (this.#next < this.#tokens.length && this.#text.length >= (this.#ends[this.#next] as number)) {
      this.record.tokenAt[this.#next] = at;
      this.#next += 1;
    }
  }

  /** Counts the tokens whose text matched; a token that arrived garbled does not count as delivered. */
  finish(error?: string): StreamRecord {
    this.record.endedAt = nowMs();
    if (error !== undefined) this.record.error = error;
    let delivered = 0;
    let start = 0;
    for (const [index, token] of this.#tokens.entries()) {
      const end = this.#ends[index] as number;
      if (this.#text.slice(start, end) !== token || this.#expected.slice(0, end) !== this.#text.slice(0, end))
        break;
      delivered += 1;
      start = end;
    }
    this.record.delivered = delivered;
    if (delivered < this.#tokens.length) {
      this.record.tokenAt = this.record.tokenAt.map((at, index) => (index < delivered ? at : undefined));
    }
    return this.record;
  }
}
