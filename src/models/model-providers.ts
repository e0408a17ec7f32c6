import { createAnthropic } from '@ai-sdk/anthropic';
import { createCerebras } from '@ai-sdk/cerebras';
import { createGroq } from '@ai-sdk/groq';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { Config } from '../config.ts';

// The vendors cai speaks to, each through its AI SDK provider, and what configures it. A base URL
// includes the version path, as the vendors' SDKs take it (`http://127.0.0.1:11434/v1`).

export interface ModelProvider {
  /** The `provider` part of `provider:model`. */
  name: string;
  /** The model used when only the provider is named, or when it is the first configured one. */
  defaultModel: string;
  /** What the operator sets to enable it. */
  howToConfigure: string;
  /** The provider's model factory, or undefined when it is not configured. */
  create(config: Config): ((modelId: string) => LanguageModelV3) | undefined;
}

export const MODEL_PROVIDERS: readonly ModelProvider[] = [
  {
    name: 'openai',
    defaultModel: 'gpt-4o-mini',
    howToConfigure:
      'Set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible server), then restart.',
    create: (config) => {
      if (!config.OPENAI_API_KEY) return undefined;
      // `.chat()`: the Chat Completions API, which every OpenAI-compatible server speaks (not the Responses API).
      const provider = createOpenAI({ apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL });
      return (modelId) => provider.chat(modelId);
    },
  },
  {
    name: 'anthropic',
    defaultModel: 'claude-3-5-haiku-latest',
    howToConfigure: 'Set ANTHROPIC_API_KEY (and optionally ANTHROPIC_BASE_URL), then restart.',
    create: (config) => {
      if (!config.ANTHROPIC_API_KEY) return undefined;
      const provider = createAnthropic({
        apiKey: config.ANTHROPIC_API_KEY,
        baseURL: config.ANTHROPIC_BASE_URL,
      });
      return (modelId) => provider.messages(modelId);
    },
  },
  {
    name: 'cerebras',
    defaultModel: 'llama3.1-8b',
    howToConfigure: 'Set CEREBRAS_API_KEY (and optionally CEREBRAS_BASE_URL), then restart.',
    create: (config) => {
      if (!config.CEREBRAS_API_KEY) return undefined;
      const provider = createCerebras({ apiKey: config.CEREBRAS_API_KEY, baseURL: config.CEREBRAS_BASE_URL });
      return (modelId) => provider.languageModel(modelId);
    },
  },
  {
    name: 'groq',
    defaultModel: 'llama-3.1-8b-instant',
    howToConfigure: 'Set GROQ_API_KEY (and optionally GROQ_BASE_URL), then restart.',
    create: (config) => {
      if (!config.GROQ_API_KEY) return undefined;
      const provider = createGroq({ apiKey: config.GROQ_API_KEY, baseURL: config.GROQ_BASE_URL });
      return (modelId) => provider.languageModel(modelId);
    },
  },
  {
    name: 'ollama',
    defaultModel: 'llama3.2',
    howToConfigure:
      'Set OLLAMA_BASE_URL (e.g. http://127.0.0.1:11434/v1, any OpenAI-compatible server) and OLLAMA_API_KEY if it needs one, then restart.',
    create: (config) => {
      if (!config.OLLAMA_BASE_URL) return undefined;
      const provider = createOpenAICompatible({
        name: 'ollama',
        baseURL: config.OLLAMA_BASE_URL,
        apiKey: config.OLLAMA_API_KEY,
        includeUsage: true,
      });
      return (modelId) => provider.chatModel(modelId);
    },
  },
];
