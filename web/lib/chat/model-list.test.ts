import { describe, expect, it } from 'vitest';
import { modelLabel, parseModelList } from './model-list.ts';

describe('the model list', () => {
  it('reads GET /v1/models, keeping its order (the default first)', () => {
    const body = {
      object: 'list',
      data: [
        { id: 'openai:gpt-4o-mini', object: 'model', created: 1, owned_by: 'openai' },
        { id: 'builtin:offline-stand-in', object: 'model', created: 1, owned_by: 'builtin' },
      ],
    };
    expect(parseModelList(body)).toEqual([
      { id: 'openai:gpt-4o-mini', provider: 'openai' },
      { id: 'builtin:offline-stand-in', provider: 'builtin' },
    ]);
  });

  it('refuses an answer of another shape', () => {
    expect(() => parseModelList({ models: [] })).toThrow();
    expect(() => parseModelList({ data: [{ name: 'x' }] })).toThrow();
  });

  it('names the built-in model for what it is', () => {
    expect(modelLabel('builtin:offline-stand-in')).toBe('Built-in stand-in');
    expect(modelLabel('anthropic:claude-3-5-haiku-latest')).toBe('anthropic:claude-3-5-haiku-latest');
  });
});
