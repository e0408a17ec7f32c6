import { describe, expect, it } from 'vitest';
import { ServerSentEventDecoder } from './server-sent-events.ts';

/** Every event's data, the text pushed in the given pieces. */
function decode(...pieces: string[]): string[] {
  const decoder = new ServerSentEventDecoder();
  return pieces.flatMap((piece) => decoder.push(piece));
}

describe('ServerSentEventDecoder', () => {
  it('gives the data of each event at its blank line', () => {
    expect(decode('data: one\n\ndata: two\n\n')).toEqual(['one', 'two']);
  });

  it('gives the same events however the text is cut into pieces', () => {
    const text = 'data: {"a":1}\n\n: keep-alive\n\ndata:{"b":2}\r\n\r\ndata: three\r\rdata: [DONE]\n\n';
    const whole = decode(text);
    expect(whole).toEqual(['{"a":1}', '{"b":2}', 'three', '[DONE]']);
    for (let cut = 1; cut < text.length; cut += 1) {
      expect(decode(text.slice(0, cut), text.slice(cut))).toEqual(whole);
    }
    expect(decode(...text.split(''))).toEqual(whole);
  });

  it('joins the data lines of one event with line feeds', () => {
    expect(decode('data: first\ndata: second\ndata\n\n')).toEqual(['first\nsecond\n']);
  });

  it('takes one space after the colon off the value, and only one', () => {
    expect(decode('data:none\n\ndata:  two\n\n')).toEqual(['none', ' two']);
  });

  it('skips comments, other fields and blank lines without data', () => {
    expect(decode(': comment\n\nevent: message\nid: 7\nretry: 100\ndata: kept\n\n\n\n')).toEqual(['kept']);
  });

  it('ignores a field whose name only starts with data', () => {
    expect(decode('database: no\ndata: yes\n\n')).toEqual(['yes']);
  });

  it('drops an event the stream never closes with a blank line', () => {
    const decoder = new ServerSentEventDecoder();
    expect(decoder.push('data: complete\n\ndata: cut off')).toEqual(['complete']);
    expect(decoder.push('\n')).toEqual([]);
  });

  it('drops a byte order mark at the start of the stream', () => {
    expect(decode('\uFEFFdata: first\n\n')).toEqual(['first']);
    expect(decode('\uFEFF', 'data: first\n\n')).toEqual(['first']);
  });
});
