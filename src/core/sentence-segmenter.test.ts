import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SentenceSegmenter } from './sentence-segmenter.ts';

function segment(deltas: string[]): string[] {
  const segmenter = new SentenceSegmenter();
  const sentences = deltas.flatMap((delta) => segmenter.push(delta));
  const rest = segmenter.flush();
  return rest === undefined ? sentences : [...sentences, rest];
}

const withoutWhitespace = (text: string) => text.replace(/\s+/gu, '');

const cases: Array<[name: string, text: string, expected: string[]]> = [
  ['plain sentences', 'Hello there. How are you? Fine!', ['Hello there.', 'How are you?', 'Fine!']],
  ['a single sentence without a terminator', 'Hello there', ['Hello there']],
  ['empty text', '', []],
  ['only whitespace', '  \n\t ', []],
  ['terminator runs', 'Really?! Yes... Wait!!! Ok.', ['Really?!', 'Yes...', 'Wait!!!', 'Ok.']],
  ['unicode ellipsis ends a sentence', 'Well… Let me think.', ['Well…', 'Let me think.']],
  [
    'ellipsis followed by lowercase continues',
    'I was... thinking about it. Then I left.',
    ['I was... thinking about it.', 'Then I left.'],
  ],
  ['unicode ellipsis followed by lowercase continues', 'So… maybe not. Ok.', ['So… maybe not.', 'Ok.']],
  ['lowercase after a period does not split', 'This is odd. but fine.', ['This is odd. but fine.']],
  ['digit after a period splits', 'It was 1990. 2000 came later.', ['It was 1990.', '2000 came later.']],
  [
    'title abbreviations',
    'Mr. Smith met Mrs. Jones and Dr. Who. They talked.',
    ['Mr. Smith met Mrs. Jones and Dr. Who.', 'They talked.'],
  ],
  [
    'professor and saint',
    'Prof. Plum lives on St. James Street. Nice.',
    ['Prof. Plum lives on St. James Street.', 'Nice.'],
  ],
  ['vs. and etc.', 'Cats vs. Dogs etc. Are all pets. Sure.', ['Cats vs. Dogs etc. Are all pets.', 'Sure.']],
  [
    'e.g. and i.e.',
    'Use fruit, e.g. Apples, i.e. Red ones. Done.',
    ['Use fruit, e.g. Apples, i.e. Red ones.', 'Done.'],
  ],
  [
    'a.m. and p.m.',
    'Open 9 a.m. To 5 p.m. Every day. Closed Sundays.',
    ['Open 9 a.m. To 5 p.m. Every day.', 'Closed Sundays.'],
  ],
  [
    'U.S. and company suffixes',
    'The U.S. Army hired Acme Inc. And Foo Ltd. For this. Good.',
    ['The U.S. Army hired Acme Inc. And Foo Ltd. For this.', 'Good.'],
  ],
  [
    'Jr. and Sr.',
    'Sammy Davis Jr. And Sr. Were there. Yes.',
    ['Sammy Davis Jr. And Sr. Were there.', 'Yes.'],
  ],
  [
    'No. and Fig. before a number',
    'See No. 5 and Fig. 3 here. Right.',
    ['See No. 5 and Fig. 3 here.', 'Right.'],
  ],
  ['No. as an answer splits', 'No. That is wrong.', ['No.', 'That is wrong.']],
  [
    'single initials',
    'J. R. R. Tolkien wrote it. George W. Bush read it.',
    ['J. R. R. Tolkien wrote it.', 'George W. Bush read it.'],
  ],
  ['the pronoun I ends a sentence', 'So do I. What about you?', ['So do I.', 'What about you?']],
  ['decimals', 'Pi is 3.14 roughly. E is 2.72.', ['Pi is 3.14 roughly.', 'E is 2.72.']],
  ['versions', 'Install v1.2.3 now. Then restart.', ['Install v1.2.3 now.', 'Then restart.']],
  ['a version ends a sentence', 'We use v1.2.3. It works.', ['We use v1.2.3.', 'It works.']],
  [
    'urls and emails',
    'Visit example.com or mail a.b@example.org today. Thanks.',
    ['Visit example.com or mail a.b@example.org today.', 'Thanks.'],
  ],
  [
    'url with a query',
    'Go to https://example.com/?q=1&x=2.5 now. Bye.',
    ['Go to https://example.com/?q=1&x=2.5 now.', 'Bye.'],
  ],
  [
    'quoted sentences stay inside',
    'He said "Stop. Now." and left. Then silence.',
    ['He said "Stop. Now." and left.', 'Then silence.'],
  ],
  [
    'a closing quote belongs to the sentence',
    'She asked "Why?" Nobody knew.',
    ['She asked "Why?"', 'Nobody knew.'],
  ],
  ['curly quotes', 'He said “Go. Fast.” Then he ran.', ['He said “Go. Fast.”', 'Then he ran.']],
  ['single quotes as closers', "He said 'go.' Then he ran.", ["He said 'go.'", 'Then he ran.']],
  [
    'closing bracket belongs to the sentence',
    '(This is an aside.) Back to it.',
    ['(This is an aside.)', 'Back to it.'],
  ],
  [
    'bracket followed by lowercase continues',
    'It works (see above.) and more. Yes.',
    ['It works (see above.) and more.', 'Yes.'],
  ],
  ['a quote opening the next sentence', 'He left. "Why?" she asked.', ['He left.', '"Why?" she asked.']],
  ['markdown emphasis', '**Note.** This matters. Ok.', ['**Note.**', 'This matters.', 'Ok.']],
  ['a line break ends a sentence', 'First line\nSecond line', ['First line', 'Second line']],
  ['a blank line ends a sentence', 'Paragraph one\n\nParagraph two.', ['Paragraph one', 'Paragraph two.']],
  ['windows line breaks', 'One\r\nTwo\r\n', ['One', 'Two']],
  ['a line break after an abbreviation still splits', 'Ask Dr.\nNext line.', ['Ask Dr.', 'Next line.']],
  [
    'a line break closes an unbalanced quote',
    'He said "oops\nNew line. Here.',
    ['He said "oops', 'New line.', 'Here.'],
  ],
  [
    'list items',
    '1. Apples\n2. Pears are good. Buy them.\n3. Plums',
    ['1. Apples', '2. Pears are good.', 'Buy them.', '3. Plums'],
  ],
  ['list item on one line', '1. First thing to do.', ['1. First thing to do.']],
  ['comma after a period continues', 'Fruits etc. , and more. Ok.', ['Fruits etc. , and more.', 'Ok.']],
  ['wide terminators', '你好。我很好！你呢？', ['你好。', '我很好！', '你呢？']],
  ['wide terminator with closer', '他说「好。」然后走了。', ['他说「好。」', '然后走了。']],
  ['leading and trailing whitespace trimmed', '   Hi.   There.   ', ['Hi.', 'There.']],
  [
    'non-Latin capital after period splits',
    'Bonjour. Ça va? Très bien.',
    ['Bonjour.', 'Ça va?', 'Très bien.'],
  ],
  ['caseless script after period splits', 'Done. 你好', ['Done.', '你好']],
  ['emoji after a sentence', 'Great job! 🎉 Keep going.', ['Great job!', '🎉 Keep going.']],
];

describe('SentenceSegmenter', () => {
  it.each(cases)('%s', (_name, text, expected) => {
    expect(segment([text])).toEqual(expected);
  });

  it.each(cases)('%s, streamed one character at a time', (_name, text, expected) => {
    expect(segment([...text])).toEqual(expected);
  });

  it('waits for the next character before deciding on a period at the end of a delta', () => {
    const segmenter = new SentenceSegmenter();
    expect(segmenter.push('It costs 3.')).toEqual([]);
    expect(segmenter.push('5 dollars. ')).toEqual([]);
    expect(segmenter.push('Thanks')).toEqual(['It costs 3.5 dollars.']);
    expect(segmenter.flush()).toBe('Thanks');
  });

  it('emits a sentence as soon as the next sentence begins', () => {
    const segmenter = new SentenceSegmenter();
    expect(segmenter.push('Hello')).toEqual([]);
    expect(segmenter.push(' world.')).toEqual([]);
    expect(segmenter.push(' ')).toEqual([]);
    expect(segmenter.push('H')).toEqual(['Hello world.']);
  });

  it('emits at a line break without waiting', () => {
    const segmenter = new SentenceSegmenter();
    expect(segmenter.push('A heading\n')).toEqual(['A heading']);
  });

  it('answers nothing on flush when nothing is left', () => {
    const segmenter = new SentenceSegmenter();
    expect(segmenter.push('Done. Next ')).toEqual(['Done.']);
    expect(segmenter.flush()).toBe('Next');
    expect(segmenter.flush()).toBeUndefined();
  });

  it('can be reused after flush', () => {
    const segmenter = new SentenceSegmenter();
    segmenter.push('He said "unfinished');
    segmenter.flush();
    expect(segmenter.push('New. Text')).toEqual(['New.']);
  });

  // Fragments that exercise every rule, joined into arbitrary texts.
  const fragment = fc.constantFrom(
    'Hello',
    'world',
    'Mr.',
    'Dr.',
    'e.g.',
    'U.S.',
    'J.',
    'I.',
    'No.',
    '5',
    '3.14',
    'v1.2.3',
    'example.com',
    '.',
    '!',
    '?',
    '?!',
    '...',
    '…',
    '"',
    '“',
    '”',
    "'",
    '(',
    ')',
    '**',
    ' ',
    ' ',
    '  ',
    '\n',
    '\n\n',
    '\r\n',
    'a',
    'The',
    'it',
    ',',
    '1.',
    '你好。',
    '」',
    'Ça',
    '🎉',
  );
  const text = fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join(''));

  it('yields the same sentences however the text is split into deltas', () => {
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 20 }), (whole, cuts) => {
        const positions = [...new Set(cuts.map((cut) => cut % (whole.length + 1)))].sort((a, b) => a - b);
        const deltas: string[] = [];
        let previous = 0;
        for (const position of positions) {
          deltas.push(whole.slice(previous, position));
          previous = position;
        }
        deltas.push(whole.slice(previous));
        expect(segment(deltas)).toEqual(segment([whole]));
      }),
      { numRuns: 500 },
    );
  });

  it('emits trimmed, non-empty sentences that cover all the non-whitespace text', () => {
    fc.assert(
      fc.property(text, (whole) => {
        const sentences = segment([whole]);
        for (const sentence of sentences) {
          expect(sentence).not.toBe('');
          expect(sentence).toBe(sentence.trim());
        }
        expect(withoutWhitespace(sentences.join(''))).toBe(withoutWhitespace(whole));
      }),
      { numRuns: 500 },
    );
  });
});
