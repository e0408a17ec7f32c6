import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { Config } from '../config.ts';
import { AiSdkChatModel } from './ai-sdk-chat-model.ts';
import { CHAT_COMPLETIONS_DIALECTS } from './chat-completions-dialect.ts';
import type { ChatCompletionsDialect } from './chat-completions-dialect.ts';
import { ChatCompletionsEndpoint } from './chat-completions-endpoint.ts';
import { ChatCompletionsModel } from './chat-completions-model.ts';
import type { ChatModel } from './chat-model.ts';

// The vendors cai speaks to, and what configures each. A base URL includes the version path, as the
// vendors' SDKs take it (`http://127.0.0.1:11434/v1`). The four that speak the Chat Completions wire
// go through cai's own client (chat-completions-model.ts) unless CHAT_COMPLETIONS_CLIENT=ai-sdk puts
// them back on their AI SDK providers; Anthropic's Messages API always goes through the AI SDK.
// An AI SDK provider package is imported only when a provider that uses it is configured (it costs
// a process 8–10 MB of memory), as soon as the registry is made, and awaited by the first call.

export interface ModelProvider {
  /** The `provider` part of `provider:model`. */
  name: string;
  /** The model used when only the provider is named, or when it is the first configured one. */
  defaultModel: string;
  /** What the operator sets to enable it. */
  howToConfigure: string;
  /** Makes the provider's models (named `provider:model`), or undefined when it is not configured. */
  create(config: Config): ((modelId: string) => ChatModel) | undefined;
}

/** Where a provider is reached, from the settings (the vendor's own base URL when none is set). */
interface Endpoint {
  baseUrl: string;
  apiKey: string | undefined;
}

/**
 * A provider that speaks the Chat Completions wire: cai's own client by default, its AI SDK
 * provider (loaded on first need) with CHAT_COMPLETIONS_CLIENT=ai-sdk.
 */
function chatCompletionsProvider(options: {
  name: string;
  defaultModel: string;
  howToConfigure: string;
  /** Undefined when the provider is not configured. */
  endpoint: (config: Config) => Endpoint | undefined;
  dialect: ChatCompletionsDialect;
  aiSdk: (endpoint: Endpoint) => Promise<(modelId: string) => LanguageModelV3>;
}): ModelProvider {
  const { name, defaultModel, howToConfigure } = options;
  return {
    name,
    defaultModel,
    howToConfigure,
    create: (config) => {
      const endpoint = options.endpoint(config);
      if (endpoint === undefined) return undefined;
      if (config.CHAT_COMPLETIONS_CLIENT === 'ai-sdk') {
        return aiSdkModels(name, () => options.aiSdk(endpoint));
      }
      return chatCompletionsModels({
        provider: name,
        ...endpoint,
        dialect: options.dialect,
      });
    },
  };
}

export const MODEL_PROVIDERS: readonly ModelProvider[] = [
  chatCompletionsProvider({
    name: 'openai',
    defaultModel: 'gpt-4o-mini',
    howToConfigure:
      'Set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible server), then restart.',
    endpoint: (config) =>
      config.OPENAI_API_KEY
        ? { baseUrl: config.OPENAI_BASE_URL ?? 'https://api.openai.com/v1', apiKey: config.OPENAI_API_KEY }
        : undefined,
    dialect: CHAT_COMPLETIONS_DIALECTS.openai,
    aiSdk: async ({ baseUrl, apiKey }) => {
      const { createOpenAI } = await import('@ai-sdk/openai');
      const provider = createOpenAI({ apiKey, baseURL: baseUrl });
      // `.chat()`: the Chat Completions API, which every OpenAI-compatible server speaks (not the Responses API).
      return (modelId) => provider.chat(modelId);
    },
  }),
  {
    name: 'anthropic',
    defaultModel: 'claude-3-5-haiku-latest',
    howToConfigure: 'Set ANTHROPIC_API_KEY (and optionally ANTHROPIC_BASE_URL), then restart.',
    create: (config) => {
      if (!config.ANTHROPIC_API_KEY) return undefined;
      return aiSdkModels('anthropic', async () => {
        const { createAnthropic } = await import('@ai-sdk/anthropic');
        const provider = createAnthropic({
          apiKey: config.ANTHROPIC_API_KEY,
          baseURL: config.ANTHROPIC_BASE_URL,
        });
        return (modelId) => provider.messages(modelId);
      });
    },
  },
  chatCompletionsProvider({
    name: 'cerebras',
    defaultModel: 'llama3.1-8b',
    howToConfigure: 'Set CEREBRAS_API_KEY (and optionally CEREBRAS_BASE_URL), then restart.',
    endpoint: (config) =>
      config.CEREBRAS_API_KEY
        ? {
            baseUrl: config.CEREBRAS_BASE_URL ?? 'https://api.cerebras.ai/v1',
            apiKey: config.CEREBRAS_API_KEY,
          }
        : undefined,
    dialect: CHAT_COMPLETIONS_DIALECTS.cerebras,
    aiSdk: async ({ baseUrl, apiKey }) => {
      const { createCerebras } = await import('@ai-sdk/cerebras');
      const provider = createCerebras({ apiKey, baseURL: baseUrl });
      return (modelId) => provider.languageModel(modelId);
    },
  }),
  chatCompletionsProvider({
    name: 'groq',
    defaultModel: 'llama-3.1-8b-instant',
    howToConfigure: 'Set GROQ_API_KEY (and optionally GROQ_BASE_URL), then restart.',
    endpoint: (config) =>
      config.GROQ_API_KEY
        ? { baseUrl: config.GROQ_BASE_URL ?? 'https://api.groq.com/openai/v1', apiKey: config.GROQ_API_KEY }
        : undefined,
    dialect: CHAT_COMPLETIONS_DIALECTS.groq,
    aiSdk: async ({ baseUrl, apiKey }) => {
      const { createGroq } = await import('@ai-sdk/groq');
      const provider = createGroq({ apiKey, baseURL: baseUrl });
      return (modelId) => provider.languageModel(modelId);
    },
  }),
  chatCompletionsProvider({
    name: 'ollama',
    defaultModel: 'llama3.2',
    howToConfigure:
      'Set OLLAMA_BASE_URL (e.g. http://127.0.0.1:11434/v1, any OpenAI-compatible server) and OLLAMA_API_KEY if it needs one, then restart.',
    endpoint: (config) =>
      config.OLLAMA_BASE_URL ? { baseUrl: config.OLLAMA_BASE_URL, apiKey: config.OLLAMA_API_KEY } : undefined,
    dialect: CHAT_COMPLETIONS_DIALECTS.openAiCompatible,
    aiSdk: async ({ baseUrl, apiKey }) => {
      const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
      const provider = createOpenAICompatible({
        name: 'ollama',
        baseURL: baseUrl,
        apiKey,
        includeUsage: true,
      });
      return (modelId) => provider.chatModel(modelId);
    },
  }),
];

/** Models of one Chat Completions provider: one endpoint, so one keep-alive agent, for all of them. */
function chatCompletionsModels(options: {
  provider: string;
  baseUrl: string;
  apiKey: string | undefined;
  dialect: ChatCompletionsDialect;
}): (modelId: string) => ChatModel {
  const { provider, dialect } = options;
  const endpoint = new ChatCompletionsEndpoint({ baseUrl: options.baseUrl, apiKey: options.apiKey });
  return (modelId) =>
    new ChatCompletionsModel({ name: `${provider}:${modelId}`, provider, modelId, endpoint, dialect });
}

function aiSdkModels(
  provider: string,
  load: () => Promise<(modelId: string) => LanguageModelV3>,
): (modelId: string) => ChatModel {
  const loaded = load();
  // Awaited by every call: a package that fails to load fails the calls, not the process.
  loaded.catch(() => undefined);
  return (modelId) => {
    const model = loaded.then((languageModel) => languageModel(modelId));
    model.catch(() => undefined);
    return new AiSdkChatModel({ name: `${provider}:${modelId}`, provider, model });
  };
}
