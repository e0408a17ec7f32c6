import { describe, expect, it } from 'vitest';
import { isOpenAiReasoningModel } from './chat-completions-dialect.ts';

describe('isOpenAiReasoningModel', () => {
  it('knows the o-series and gpt-5 and later as reasoning models, as @ai-sdk/openai does', () => {
    for (const id of ['o1', 'o1-mini', 'o3-mini', 'o4-mini-2025-04-16', 'gpt-5', 'gpt-5-mini', 'gpt-5.1'])
      expect(isOpenAiReasoningModel(id), id).toBe(true);
  });

  it('knows chat models, gpt-5-chat included, as models that take a temperature', () => {
    for (const id of [
      'gpt-4o-mini',
      'gpt-4.1-nano',
      'gpt-3.5-turbo',
      'gpt-5-chat-latest',
      'omni-moderation',
      'llama3.2',
    ])
      expect(isOpenAiReasoningModel(id), id).toBe(false);
  });
});
