// The reply every benchmark stream carries: distinct tokens, so the client can tell which token
// arrived even when a hop merges or splits chunks, and a sentence end every 16 tokens so that
// cai's sentence segmentation runs as it would on real text. The word after a sentence end is
// capitalized: cai's segmenter (rightly) does not end a sentence before a lowercase word.

const SENTENCE_LENGTH = 16;

export function benchTokens(count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const word = index > 0 && index % SENTENCE_LENGTH === 0 ? `W${index}` : `w${index}`;
    return (index + 1) % SENTENCE_LENGTH === 0 || index === count - 1 ? `${word}. ` : `${word} `;
  });
}

/** The request id travels inside the prompt, which every hop passes to the upstream untouched. */
export const promptFor = (requestId: string): string =>
  `Benchmark request bench-id:${requestId} please reply.`;

export function requestIdIn(text: string): string | undefined {
  return /bench-id:(\S+)/.exec(text)?.[1];
}
