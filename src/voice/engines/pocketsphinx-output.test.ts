import { describe, expect, it } from 'vitest';
import { parsePocketsphinxOutput } from './pocketsphinx-output.ts';

// Printed by pocketsphinx_continuous 0.8+5prealpha with -time yes for two utterances.
const OUTPUT = `the president ah
<s> 0.000 0.020 0.999900
the 0.030 0.100 0.110200
president(2) 0.110 0.670 0.102186
ah 0.680 0.870 0.063145
<sil> 0.880 1.030 1.000000
</s> 1.890 2.150 1.000000
i don't
<s> 3.560 3.660 1.000200
i 4.710 4.820 0.862934
[NOISE] 4.820 4.830 0.5
don't 4.830 5.090 0.158736
</s> 5.470 6.000 1.000000
`;

describe('parsePocketsphinxOutput', () => {
  it('joins the utterances and keeps the spoken words with their times', () => {
    const parsed = parsePocketsphinxOutput(OUTPUT);
    expect(parsed.text).toBe("the president ah i don't");
    expect(parsed.words.map((word) => word.word)).toEqual(['the', 'president', 'ah', 'i', "don't"]);
    expect(parsed.words[1]).toEqual({ word: 'president', start: 0.11, end: 0.67, confidence: 0.102186 });
  });

  it('reads silence as no words', () => {
    expect(parsePocketsphinxOutput('')).toEqual({ text: '', words: [] });
  });
});
