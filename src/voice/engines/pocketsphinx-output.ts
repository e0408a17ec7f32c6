// Parses what `pocketsphinx_continuous -time yes` prints: one hypothesis line per utterance,
// followed by one `word start end posterior` line per word, including markers such as <s>.
import type { TranscriptWord } from '../speech-to-text.ts';

const WORD_LINE = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/;

export function parsePocketsphinxOutput(output: string): { text: string; words: TranscriptWord[] } {
  const hypotheses: string[] = [];
  const words: TranscriptWord[] = [];
  for (const rawLine of output.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    const match = WORD_LINE.exec(line);
    if (match === null) {
      hypotheses.push(line);
      continue;
    }
    const [, token = '', start = '0', end = '0', posterior = '0'] = match;
    if (isMarker(token)) continue;
    words.push({
      // `president(2)` names the second pronunciation in the dictionary: the word is the same.
      word: token.replace(/\(\d+\)$/, ''),
      start: Number(start),
      end: Number(end),
      confidence: Math.min(1, Number(posterior)),
    });
  }
  return { text: hypotheses.join(' '), words };
}

/** Sentence boundaries, silence and fillers: <s>, </s>, <sil>, [NOISE], ++BREATH++. */
function isMarker(token: string): boolean {
  return token.startsWith('<') || token.startsWith('[') || token.startsWith('+');
}
