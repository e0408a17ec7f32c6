// `pace:"sentence"` (pull-based flow control for a client that speaks as it reads): the model's
// text is held and released one sentence at a time, the first at once and one more per
// AWAIT_MORE. A sentence goes out as its chunks (the model's deltas, a delta that straddles the
// sentence's end split there) followed by its SENTENCE, so what a client has received always ends
// on a sentence boundary. The model keeps generating meanwhile.

export type PacedOutput = { type: 'chunk'; text: string } | { type: 'sentence'; index: number; text: string };

interface HeldSentence {
  index: number;
  text: string;
  /** Offset in the reply's text just after the sentence. */
  end: number;
}

export class SentencePacer {
  readonly #emit: (output: PacedOutput) => void;
  #text = '';
  /** Text not yet released, as the model's deltas (their concatenation is `#text.slice(#releasedTo)`). */
  #pieces: string[] = [];
  #releasedTo = 0;
  #searchFrom = 0;
  #held: HeldSentence[] = [];
  #releasedSentences: number[] = [];
  /** Sentences the client may receive now: the first, then one per AWAIT_MORE. */
  #allowance = 1;

  constructor(emit: (output: PacedOutput) => void) {
    this.#emit = emit;
  }

  /** Everything the client has received, in order (the concatenation of its chunks). */
  get releasedText(): string {
    return this.#text.slice(0, this.#releasedTo);
  }

  get releasedSentences(): readonly number[] {
    return this.#releasedSentences;
  }

  /** Complete sentences still held back. */
  get heldCount(): number {
    return this.#held.length;
  }

  addText(text: string): void {
    this.#text += text;
    this.#pieces.push(text);
  }

  /** The engine found a sentence in the text added so far. */
  addSentence(index: number, text: string): void {
    // Sentences are trimmed, consecutive slices of the text: the next one starts at or after here.
    const at = this.#text.indexOf(text, this.#searchFrom);
    const end = at < 0 ? this.#text.length : at + text.length;
    this.#searchFrom = end;
    this.#held.push({ index, text, end });
    this.#release();
  }

  /** AWAIT_MORE: one more sentence may go out (now, or as soon as it is complete). */
  allowOne(): void {
    this.#allowance += 1;
    this.#release();
  }

  /** The reply is over and every sentence was released: releases what follows the last one. */
  releaseRest(): void {
    if (this.#held.length === 0) this.#releaseTextTo(this.#text.length);
  }

  #release(): void {
    while (this.#allowance > 0 && this.#held.length > 0) {
      const sentence = this.#held.shift()!;
      this.#allowance -= 1;
      this.#releaseTextTo(sentence.end);
      this.#releasedSentences.push(sentence.index);
      this.#emit({ type: 'sentence', index: sentence.index, text: sentence.text });
    }
  }

  #releaseTextTo(end: number): void {
    while (this.#releasedTo < end && this.#pieces.length > 0) {
      const piece = this.#pieces[0]!;
      const room = end - this.#releasedTo;
      if (piece.length <= room) {
        this.#pieces.shift();
        this.#releasedTo += piece.length;
        this.#emit({ type: 'chunk', text: piece });
      } else {
        this.#pieces[0] = piece.slice(room);
        this.#releasedTo += room;
        this.#emit({ type: 'chunk', text: piece.slice(0, room) });
      }
    }
  }
}
