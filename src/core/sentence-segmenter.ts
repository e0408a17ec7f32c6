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
/** What findEnd stops at: line breaks, terminators and double quotes. */
const INTERESTING = /[\n\r.!?…。！？"“”]/g;
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
const WAIT: Decision = { kind: 'wait' };
const split = (end: number): Decision => ({ kind: 'split', end });
const continueAt = (next: number): Decision => ({ kind: 'continue', next });
const WHITESPACE = /\s/u;
const NO_SENTENCES: readonly string[] = Object.freeze([]);

function isWhitespace(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code === 32 || (code >= 9 && code <= 13)) return true;
  return code > 127 && WHITESPACE.test(text[index]!);
}

export class SentenceSegmenter {
  private buffer = '';
  /** Where the sentence being built starts in the buffer (text before it is cut at the end of a push). */
  private sentenceStart = 0;
  /** Where scanning resumes, and the quote state there; both reset when a sentence is emitted. */
  private scanIndex = 0;
  private inQuote = false;

  /** Adds streamed text; answers the sentences this delta completed, trimmed, in order. */
  push(delta: string): readonly string[] {
    this.buffer += delta;
    // Most deltas end no sentence: they share one empty answer instead of a new array each.
    let sentences: string[] | undefined;
    for (;;) {
      const end = this.findEnd();
      if (end === undefined) break;
      const sentence = this.buffer.slice(this.sentenceStart, end).trim();
      if (sentence) (sentences ??= []).push(sentence);
      this.sentenceStart = end;
      this.scanIndex = end;
      this.inQuote = false;
    }
    // Cut once per push, not once per sentence (a whole reply may hold dozens).
    if (this.sentenceStart > 0) {
      this.buffer = this.buffer.slice(this.sentenceStart);
      this.scanIndex -= this.sentenceStart;
      this.sentenceStart = 0;
    }
    return sentences ?? NO_SENTENCES;
  }

  /** The text is over: answers what is left as the last sentence, if anything is. */
  flush(): string | undefined {
    const rest = this.buffer.slice(this.sentenceStart).trim();
    this.buffer = '';
    this.sentenceStart = 0;
    this.scanIndex = 0;
    this.inQuote = false;
    return rest || undefined;
  }

  /** The end (exclusive) of the first complete sentence, or undefined when none is decided yet. */
  private findEnd(): number | undefined {
    const text = this.buffer;
    // Only line breaks, terminators and double quotes matter to the scan: the regular expression
    // jumps from one to the next.
    const interesting = INTERESTING;
    interesting.lastIndex = this.scanIndex;
    for (let match = interesting.exec(text); match !== null; match = interesting.exec(text)) {
      const index = match.index;
      const character = match[0];
      if (character === '\n' || character === '\r') return index + 1;
      if (character === '"') this.inQuote = !this.inQuote;
      else if (character === '“') this.inQuote = true;
      else if (character === '”') this.inQuote = false;
      else {
        const decision = this.decide(index);
        if (decision.kind === 'split') return decision.end;
        if (decision.kind === 'wait') {
          this.scanIndex = index;
          return undefined;
        }
        interesting.lastIndex = decision.next;
      }
    }
    this.scanIndex = text.length;
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
    if (index === text.length) return WAIT;
    const sentenceEnd = index;
    // Every answer but WAIT commits the quote state the run and its closers left.
    const wide = WIDE_TERMINATORS.has(text[runEnd - 1]!);
    if (wide && !inQuote) return this.decided(inQuote, split(sentenceEnd));
    if (!isWhitespace(text, index)) return this.decided(inQuote, continueAt(index));
    while (index < text.length && isWhitespace(text, index)) {
      // The line break ends the sentence anyway (see findEnd).
      if (text[index] === '\n' || text[index] === '\r') return this.decided(inQuote, continueAt(index));
      index += 1;
    }
    if (index === text.length) return WAIT;
    if (inQuote) return this.decided(inQuote, continueAt(index));

    const following = text[index]!;
    if (LOWERCASE.test(following) || CONTINUATIONS.has(following)) {
      return this.decided(inQuote, continueAt(index));
    }
    const singlePeriod = runEnd - start === 1 && text[start] === '.' && !closed;
    if (singlePeriod && this.isAbbreviation(start, DIGIT.test(following))) {
      return this.decided(inQuote, continueAt(index));
    }
    return this.decided(inQuote, split(sentenceEnd));
  }

  private decided(inQuote: boolean, answer: Decision): Decision {
    this.inQuote = inQuote;
    return answer;
  }

  /** Whether the word before the period at `periodIndex` is an abbreviation, not a sentence end. */
  private isAbbreviation(periodIndex: number, numberFollows: boolean): boolean {
    const text = this.buffer;
    let tokenStart = periodIndex;
    while (tokenStart > this.sentenceStart && !TOKEN_START.test(text[tokenStart - 1]!)) tokenStart -= 1;
    const token = text.slice(tokenStart, periodIndex);
    if (!token) return false;
    const lower = token.toLowerCase();
    if (ABBREVIATIONS.has(lower) || INITIALISM.test(token)) return true;
    if (numberFollows && NUMBER_ABBREVIATIONS.has(lower)) return true;
    // A single capital is an initial (J. R. R. Tolkien), except the pronoun: "So do I. Then…".
    if (SINGLE_INITIAL.test(token) && token !== 'I') return true;
    // "1. First item": a list marker opening the sentence.
    return LIST_MARKER.test(token) && text.slice(this.sentenceStart, tokenStart).trim() === '';
  }
}
