// Splits streamed text into sentences as it arrives, so speech can start on the first one.
//
// Rules (docs and tests rely on them):
// - A line break always ends a sentence (list items and headings carry no final punctuation);
//   it also closes any open quote.
// - `.` `!` `?` `…` and runs of them (`?!`, `...`) end a sentence when followed by whitespace and
//   then a character that does not continue a sentence (anything but a lowercase letter or
//   `,;:`), or by the end of the text. Closing quotes and brackets right after the terminator
//   belong to the sentence (`He said "Stop." Then…`).
// - `。！？` end a sentence at once (no whitespace in those scripts), with their closers.
// - No split inside double quotes, after known abbreviations (Mr. e.g. U.S. …), after single
//   initials (J. R. R.), after a list marker (`1. `) or where no whitespace follows (3.14,
//   v1.2.3, example.com).
// - The decision waits until the characters it depends on have arrived: a `.` at the end of a
//   delta is undecided. So splitting the same text into other deltas yields the same sentences.

const TERMINATORS = new Set(['.', '!', '?', '…']);
const WIDE_TERMINATORS = new Set(['。', '！', '？']);
// Markdown emphasis closes too: "**Done.** Next".
const CLOSERS = new Set(['"', '”', "'", '’', ')', ']', '}', '»', '」', '』', '）', '*', '_', '`']);
const CONTINUATIONS = new Set([',', ';', ':']);

// Lowercased, without their final period.
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'st',
  'mt',
  'vs',
  'etc',
  'inc',
  'ltd',
  'co',
  'corp',
  'jr',
  'sr',
  'gen',
  'col',
  'lt',
  'sgt',
  'capt',
  'rev',
  'hon',
  'approx',
  'dept',
  'est',
  'cf',
  'al',
  'ca',
  'e.g',
  'i.e',
]);
// Abbreviations only when a number follows (`No. 5`, `Fig. 3`); `No. Thanks.` is two sentences.
const NUMBER_ABBREVIATIONS = new Set([
  'no',
  'nos',
  'fig',
  'figs',
  'vol',
  'pp',
  'p',
  'art',
  'sec',
  'ch',
  'eq',
]);
// Letter-period chains: e.g, i.e, a.m, p.m, U.S, U.S.A.
const INITIALISM = /^(?:\p{L}\.)+\p{L}$/u;
const SINGLE_INITIAL = /^\p{Lu}$/u;
const LIST_MARKER = /^\d{1,3}$/;
const TOKEN_START = /[\s"“'‘([{«]/u;
const LOWERCASE = /\p{Ll}/u;
const DIGIT = /\d/;

type Decision = { kind: 'split'; end: number } | { kind: 'continue'; next: number } | { kind: 'wait' };

export class SentenceSegmenter {
  private buffer = '';
  /** Where scanning resumes, and the quote state there; both reset when a sentence is emitted. */
  private scanIndex = 0;
  private inQuote = false;

  /** Adds streamed text; answers the sentences this delta completed, trimmed, in order. */
  push(delta: string): string[] {
    this.buffer += delta;
    const sentences: string[] = [];
    for (;;) {
      const end = this.findEnd();
      if (end === undefined) return sentences;
      const sentence = this.buffer.slice(0, end).trim();
      if (sentence) sentences.push(sentence);
      this.buffer = this.buffer.slice(end);
      this.scanIndex = 0;
      this.inQuote = false;
    }
  }

  /** The text is over: answers what is left as the last sentence, if anything is. */
  flush(): string | undefined {
    const rest = this.buffer.trim();
    this.buffer = '';
    this.scanIndex = 0;
    this.inQuote = false;
    return rest || undefined;
  }

  /** The end (exclusive) of the first complete sentence, or undefined when none is decided yet. */
  private findEnd(): number | undefined {
    const text = this.buffer;
    let index = this.scanIndex;
    while (index < text.length) {
      const character = text[index]!;
      if (character === '\n' || character === '\r') return index + 1;
      if (TERMINATORS.has(character) || WIDE_TERMINATORS.has(character)) {
        const decision = this.decide(index);
        if (decision.kind === 'split') return decision.end;
        if (decision.kind === 'wait') {
          this.scanIndex = index;
          return undefined;
        }
        index = decision.next;
        continue;
      }
      if (character === '"') this.inQuote = !this.inQuote;
      else if (character === '“') this.inQuote = true;
      else if (character === '”') this.inQuote = false;
      index += 1;
    }
    this.scanIndex = index;
    return undefined;
  }

  /** Whether the terminator at `start` ends the sentence; updates the quote state it passes. */
  private decide(start: number): Decision {
    const text = this.buffer;
    let index = start;
    while (index < text.length && (TERMINATORS.has(text[index]!) || WIDE_TERMINATORS.has(text[index]!))) {
      index += 1;
    }
    const runEnd = index;
    let inQuote = this.inQuote;
    let closed = false;
    while (index < text.length && CLOSERS.has(text[index]!)) {
      const closer = text[index]!;
      if (closer === '"' && !inQuote) break; // a straight quote opening the next sentence
      if (closer === '"' || closer === '”') inQuote = false;
      closed = true;
      index += 1;
    }
    // More terminators or closers may still arrive.
    if (index === text.length) return { kind: 'wait' };
    const sentenceEnd = index;
    const commit = (decision: Decision): Decision => {
      this.inQuote = inQuote;
      return decision;
    };

    const wide = WIDE_TERMINATORS.has(text[runEnd - 1]!);
    if (wide && !inQuote) return commit({ kind: 'split', end: sentenceEnd });
    if (!/\s/u.test(text[index]!)) return commit({ kind: 'continue', next: index });
    while (index < text.length && /\s/u.test(text[index]!)) {
      // The line break ends the sentence anyway (see findEnd).
      if (text[index] === '\n' || text[index] === '\r') return commit({ kind: 'continue', next: index });
      index += 1;
    }
    if (index === text.length) return { kind: 'wait' };
    if (inQuote) return commit({ kind: 'continue', next: index });

    const following = text[index]!;
    if (LOWERCASE.test(following) || CONTINUATIONS.has(following)) {
      return commit({ kind: 'continue', next: index });
    }
    const singlePeriod = runEnd - start === 1 && text[start] === '.' && !closed;
    if (singlePeriod && this.isAbbreviation(start, DIGIT.test(following))) {
      return commit({ kind: 'continue', next: index });
    }
    return commit({ kind: 'split', end: sentenceEnd });
  }

  /** Whether the word before the period at `periodIndex` is an abbreviation, not a sentence end. */
  private isAbbreviation(periodIndex: number, numberFollows: boolean): boolean {
    const text = this.buffer;
    let tokenStart = periodIndex;
    while (tokenStart > 0 && !TOKEN_START.test(text[tokenStart - 1]!)) tokenStart -= 1;
    const token = text.slice(tokenStart, periodIndex);
    if (!token) return false;
    const lower = token.toLowerCase();
    if (ABBREVIATIONS.has(lower) || INITIALISM.test(token)) return true;
    if (numberFollows && NUMBER_ABBREVIATIONS.has(lower)) return true;
    // A single capital is an initial (J. R. R. Tolkien), except the pronoun: "So do I. Then…".
    if (SINGLE_INITIAL.test(token) && token !== 'I') return true;
    // "1. First item": a list marker opening the sentence.
    return LIST_MARKER.test(token) && text.slice(0, tokenStart).trim() === '';
  }
}
