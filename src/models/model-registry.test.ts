import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { AppError } from '../core/errors.ts';
import { AiSdkChatModel } from './ai-sdk-chat-model.ts';
import { ChatCompletionsModel } from './chat-completions-model.ts';
import { ModelRegistry } from './model-registry.ts';
import { OfflineChatModel } from './offline-chat-model.ts';

const registry = (environment: Record<string, string> = {}) =>
  new ModelRegistry({ config: loadConfig(environment), offline: { tokenDelayMs: 0 } });

function thrown(action: () => unknown): AppError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected an AppError');
}

describe('ModelRegistry', () => {
  it('uses the built-in offline model when nothing is configured', () => {
    const models = registry();
    expect(models.configuredProviders()).toEqual([]);
    expect(models.resolveName(undefined)).toBe('builtin:offline-stand-in');
    expect(models.resolveName('')).toBe('builtin:offline-stand-in');
    expect(models.resolveName('default')).toBe('builtin:offline-stand-in');
    expect(models.model()).toBeInstanceOf(OfflineChatModel);
  });

  it('configures a provider when its key is set, Ollama when its base URL is', () => {
    const models = registry({
      GROQ_API_KEY: 'g',
      OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1',
      OPENAI_API_KEY: 'o',
    });
    expect(models.configuredProviders()).toEqual(['openai', 'groq', 'ollama']);
    expect(registry({ OLLAMA_API_KEY: 'x' }).configuredProviders()).toEqual([]);
  });

  it("defaults to the first configured provider's default model", () => {
    expect(registry({ ANTHROPIC_API_KEY: 'a', GROQ_API_KEY: 'g' }).resolveName()).toBe(
      'anthropic:claude-3-5-haiku-latest',
    );
  });

  it('defaults to DEFAULT_MODEL when it is set', () => {
    const models = registry({
      OPENAI_API_KEY: 'o',
      CEREBRAS_API_KEY: 'c',
      DEFAULT_MODEL: 'cerebras:qwen-3-32b',
    });
    expect(models.resolveName('default')).toBe('cerebras:qwen-3-32b');
    expect(models.resolve().name).toBe('cerebras:qwen-3-32b');
  });

  it("resolves provider:model names to cai's own Chat Completions client", () => {
    const models = registry({ OPENAI_API_KEY: 'o' });
    const model = models.model('openai:gpt-4.1-nano');
    expect(model).toBeInstanceOf(ChatCompletionsModel);
    expect(model.name).toBe('openai:gpt-4.1-nano');
    expect(model.provider).toBe('openai');
    expect(models.model('OpenAI:gpt-4.1-nano')).toBe(model);
  });

  it('puts the Chat Completions providers on the AI SDK with CHAT_COMPLETIONS_CLIENT=ai-sdk; Anthropic is always there', () => {
    const keys = { OPENAI_API_KEY: 'o', CEREBRAS_API_KEY: 'c', GROQ_API_KEY: 'g', ANTHROPIC_API_KEY: 'a' };
    const names = ['openai:gpt-4o', 'cerebras:llama3.1-8b', 'groq:llama-3.1-8b-instant', 'ollama:llama3.2'];
    const direct = registry({ ...keys, OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1' });
    const aiSdk = registry({
      ...keys,
      OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1',
      CHAT_COMPLETIONS_CLIENT: 'AI-SDK',
    });
    for (const name of names) {
      expect(direct.model(name), name).toBeInstanceOf(ChatCompletionsModel);
      expect(aiSdk.model(name), name).toBeInstanceOf(AiSdkChatModel);
      expect(aiSdk.model(name).name).toBe(name);
    }
    expect(direct.model('anthropic:claude-3-5-haiku-latest')).toBeInstanceOf(AiSdkChatModel);
    expect(() => loadConfig({ CHAT_COMPLETIONS_CLIENT: 'fetch' })).toThrow(
      /CHAT_COMPLETIONS_CLIENT: expected direct or ai-sdk/,
    );
  });

  it("resolves a bare provider to that provider's default model", () => {
    expect(registry({ GROQ_API_KEY: 'g' }).resolveName('groq')).toBe('groq:llama-3.1-8b-instant');
  });

  it("maps doc 002's aliases through MODEL_ALIAS_*", () => {
    const models = registry({
      OPENAI_API_KEY: 'o',
      ANTHROPIC_API_KEY: 'a',
      CEREBRAS_API_KEY: 'c',
      MODEL_ALIAS_LLAMA: 'cerebras:llama-3.3-70b',
    });
    expect(models.resolveName('gpt')).toBe('openai:gpt-4o-mini');
    expect(models.resolveName('claude')).toBe('anthropic:claude-3-5-haiku-latest');
    expect(models.resolveName('llama')).toBe('cerebras:llama-3.3-70b');
    expect(models.resolveName('GPT')).toBe('openai:gpt-4o-mini');
  });

  it('always serves the built-in model by name', () => {
    expect(registry({ OPENAI_API_KEY: 'o' }).model('builtin:offline-stand-in')).toBeInstanceOf(
      OfflineChatModel,
    );
  });

  it('refuses a provider that is not configured, naming it and what is configured', () => {
    const error = thrown(() =>
      registry({ OPENAI_API_KEY: 'o' }).resolve('anthropic:claude-3-5-sonnet-latest'),
    );
    expect(error.code).toBe('PROVIDER_NOT_CONFIGURED');
    expect(error.status).toBe(400);
    expect(error.message).toContain('"anthropic"');
    expect(error.message).toContain('openai');
    expect(error.details).toMatchObject({
      provider: 'anthropic',
      configured: ['openai'],
      howToConfigure: expect.stringContaining('ANTHROPIC_API_KEY'),
    });
  });

  it('refuses an alias whose provider is not configured rather than substituting another', () => {
    const error = thrown(() => registry({ OPENAI_API_KEY: 'o' }).resolve('claude'));
    expect(error.code).toBe('PROVIDER_NOT_CONFIGURED');
    expect(error.message).toContain('"claude" stands for anthropic:claude-3-5-haiku-latest');
  });

  it('refuses a DEFAULT_MODEL whose provider is not configured, and reports it at start', () => {
    const models = registry({ DEFAULT_MODEL: 'groq:llama-3.1-8b-instant' });
    expect(thrown(() => models.resolve()).code).toBe('PROVIDER_NOT_CONFIGURED');
    expect(models.problems()).toEqual([expect.stringMatching(/^DEFAULT_MODEL: .*"groq"/)]);
  });

  it('refuses a name that is not provider:model, listing what works', () => {
    const models = registry({ OPENAI_API_KEY: 'o' });
    for (const name of ['gpt-4o', 'mistral:large', 'builtin:gpt-5', ':x']) {
      const error = thrown(() => models.resolve(name));
      expect(error.code).toBe('MODEL_NOT_FOUND');
      expect(error.message).toContain('provider:model');
      expect(error.details).toMatchObject({
        available: expect.arrayContaining(['openai:gpt-4o-mini', 'builtin:offline-stand-in']),
        configured: ['openai'],
      });
    }
  });

  it('chains the requested model with the configured fallbacks, each once', () => {
    const models = registry({
      OPENAI_API_KEY: 'o',
      GROQ_API_KEY: 'g',
      FALLBACK_MODELS:
        'groq:llama-3.1-8b-instant, anthropic:claude-x, openai:gpt-4o-mini, nonsense, builtin:offline-stand-in',
    });
    expect(models.resolve('gpt').chain.map((model) => model.name)).toEqual([
      'openai:gpt-4o-mini',
      'groq:llama-3.1-8b-instant',
      'builtin:offline-stand-in',
    ]);
    expect(models.problems()).toHaveLength(2);
  });

  it('lists the models a client can name, the default first, with their aliases', () => {
    const models = registry({
      OPENAI_API_KEY: 'o',
      CEREBRAS_API_KEY: 'c',
      FALLBACK_MODELS: 'openai:gpt-4.1',
    });
    expect(models.list()).toEqual([
      { name: 'openai:gpt-4o-mini', provider: 'openai', aliases: ['default', 'openai', 'gpt'] },
      { name: 'cerebras:llama3.1-8b', provider: 'cerebras', aliases: ['cerebras', 'llama'] },
      { name: 'openai:gpt-4.1', provider: 'openai', aliases: [] },
      { name: 'builtin:offline-stand-in', provider: 'builtin', aliases: [] },
    ]);
  });

  it('lists only the built-in model when nothing is configured', () => {
    expect(registry().list()).toEqual([
      { name: 'builtin:offline-stand-in', provider: 'builtin', aliases: ['default'] },
    ]);
  });
});
