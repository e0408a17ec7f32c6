// A Server-Sent Events reader (the WHATWG event-stream format): bytes in, `{event, data}` out.
// Written against ReadableStream so it works with fetch in browsers and in Node alike.

export interface ServerSentEvent {
  /** `message` when the stream named none. */
  event: string;
  data: string;
  id?: string;
}

export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ServerSentEvent, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new EventStreamParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode() + '\n\n');
  } finally {
    // Stopping early (break, an error) cancels the response, which closes the connection.
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Incremental parser: text in any chunking, complete events out. */
export class EventStreamParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;
  #sawData = false;

  *push(text: string): Generator<ServerSentEvent> {
    this.#buffer += text;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#buffer);
      if (match === null) return;
      // A lone \r at the very end may be the first half of \r\n: wait for more text.
      if (match[0] === '\r' && match.index === this.#buffer.length - 1) return;
      const line = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      const event = this.#line(line);
      if (event !== undefined) yield event;
    }
  }

  #line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') {
      this.#data.push(value);
      this.#sawData = true;
    } else if (field === 'id' && !value.includes('\0')) this.#id = value;
    return undefined;
  }

  #dispatch(): ServerSentEvent | undefined {
    const sawData = this.#sawData;
    const event: ServerSentEvent = {
      event: this.#event || 'message',
      data: this.#data.join('\n'),
      ...(this.#id === undefined ? {} : { id: this.#id }),
    };
    this.#event = '';
    this.#data = [];
    this.#sawData = false;
    return sawData ? event : undefined;
  }
}
