// Server-sent events (WHATWG HTML, "text/event-stream") → the data of each event, from text that
// arrives in arbitrary pieces: a line, even a `\r\n` pair, may be split across TCP reads. Lines end in
// `\n`, `\r\n` or `\r`; an event's `data:` lines are joined with `\n` and it is dispatched at a blank
// line; an event the stream never closes with one is dropped, as the specification says. The other
// fields (`event`, `id`, `retry`) and comments carry nothing the Chat Completions wire uses.
//
// Per piece: one indexOf and one slice per line, no regular expression unless the piece holds a `\r`.

const LINE_FEED = 10;
const SPACE = 32;
const COLON = 58;
const BYTE_ORDER_MARK = 0xfeff;

export class ServerSentEventDecoder {
  /** The start of a line whose end has not arrived yet. */
  #pending = '';
  /** The data of the event being read, undefined until one of its `data` lines arrives. */
  #data: string | undefined;
  /** The last piece ended in `\r`: a `\n` that starts the next piece is the rest of that line end. */
  #afterCarriageReturn = false;
  #started = false;

  /** The data of every event that this piece of the stream completes, in order. */
  push(piece: string): string[] {
    let text = piece;
    if (!this.#started && text !== '') {
      this.#started = true;
      if (text.charCodeAt(0) === BYTE_ORDER_MARK) text = text.slice(1);
    }
    if (this.#afterCarriageReturn && text !== '') {
      this.#afterCarriageReturn = false;
      if (text.charCodeAt(0) === LINE_FEED) text = text.slice(1);
    }
    if (text.includes('\r')) {
      this.#afterCarriageReturn = text.endsWith('\r');
      text = text.replace(/\r\n?/g, '\n');
    }
    const input = this.#pending === '' ? text : this.#pending + text;
    const events: string[] = [];
    let start = 0;
    let end = input.indexOf('\n');
    while (end !== -1) {
      if (end === start) {
        if (this.#data !== undefined) events.push(this.#data);
        this.#data = undefined;
      } else if (isDataLine(input, start, end)) {
        const valueStart = input.charCodeAt(start + 5) === SPACE ? start + 6 : start + 5;
        const value = valueStart >= end ? '' : input.slice(valueStart, end);
        this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
      }
      start = end + 1;
      end = input.indexOf('\n', start);
    }
    this.#pending = start === input.length ? '' : input.slice(start);
    return events;
  }
}

/** `data:…`, or a bare `data` (a field without a colon has the empty value). */
function isDataLine(input: string, start: number, end: number): boolean {
  return input.startsWith('data', start) && (end === start + 4 || input.charCodeAt(start + 4) === COLON);
}
