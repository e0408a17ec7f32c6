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

export const MODEL_PROVIDERS: readonly ModelProvider[] = [
  {
    name: 'openai',
    defaultModel: 'gpt-4o-mini',
    howToConfigure:
      'Set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible server), then restart.',
    create: (config) => {
      if (!config.OPENAI_API_KEY) return undefined;
      if (config.CHAT_COMPLETIONS_CLIENT === 'direct') {
        return chatCompletionsModels({
          provider: 'openai',
          baseUrl: config.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
          apiKey: config.OPENAI_API_KEY,
          dialect: CHAT_COMPLETIONS_DIALECTS.openai,
        });
      }
      return aiSdkModels('openai', async () => {
        const { createOpenAI } = await import('@ai-sdk/openai');
        const provider = createOpenAI({ apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL });
        // `.chat()`: the Chat Completions API, which every OpenAI-compatible server speaks (not the Responses API).
        return (modelId) => provider.chat(modelId);
      });
    },
  },
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
  {
    name: 'cerebras',
    defaultModel: 'llama3.1-8b',
    howToConfigure: 'Set CEREBRAS_API_KEY (and optionally CEREBRAS_BASE_URL), then restart.',
    create: (config) => {
      if (!config.CEREBRAS_API_KEY) return undefined;
      if (config.CHAT_COMPLETIONS_CLIENT === 'direct') {
        return chatCompletionsModels({
          provider: 'cerebras',
          baseUrl: config.CEREBRAS_BASE_URL ?? 'https://api.cerebras.ai/v1',
          apiKey: config.CEREBRAS_API_KEY,
          dialect: CHAT_COMPLETIONS_DIALECTS.cerebras,
        });
      }
      return aiSdkModels('cerebras', async () => {
        const { createCerebras } = await import('@ai-sdk/cerebras');
        const provider = createCerebras({
          apiKey: config.CEREBRAS_API_KEY,
          baseURL: config.CEREBRAS_BASE_URL,
        });
        return (modelId) => provider.languageModel(modelId);
      });
    },
  },
  {
    name: 'groq',
    defaultModel: 'llama-3.1-8b-instant',
    howToConfigure: 'Set GROQ_API_KEY (and optionally GROQ_BASE_URL), then restart.',
    create: (config) => {
      if (!config.GROQ_API_KEY) return undefined;
      if (config.CHAT_COMPLETIONS_CLIENT === 'direct') {
        return chatCompletionsModels({
          provider: 'groq',
          baseUrl: config.GROQ_BASE_URL ?? 'https://api.groq.com/openai/v1',
          apiKey: config.GROQ_API_KEY,
          dialect: CHAT_COMPLETIONS_DIALECTS.groq,
        });
      }
      return aiSdkModels('groq', async () => {
        const { createGroq } = await import('@ai-sdk/groq');
        const provider = createGroq({ apiKey: config.GROQ_API_KEY, baseURL: config.GROQ_BASE_URL });
        return (modelId) => provider.languageModel(modelId);
      });
    },
  },
  {
    name: 'ollama',
    defaultModel: 'llama3.2',
    howToConfigure:
      'Set OLLAMA_BASE_URL (e.g. http://127.0.0.1:11434/v1, any OpenAI-compatible server) and OLLAMA_API_KEY if it needs one, then restart.',
    create: (config) => {
      if (!config.OLLAMA_BASE_URL) return undefined;
      if (config.CHAT_COMPLETIONS_CLIENT === 'direct') {
        return chatCompletionsModels({
          provider: 'ollama',
          baseUrl: config.OLLAMA_BASE_URL,
          apiKey: config.OLLAMA_API_KEY,
          dialect: CHAT_COMPLETIONS_DIALECTS.openAiCompatible,
        });
      }
      const baseUrl = config.OLLAMA_BASE_URL;
      return aiSdkModels('ollama', async () => {
        const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
        const provider = createOpenAICompatible({
          name: 'ollama',
          baseURL: baseUrl,
          apiKey: config.OLLAMA_API_KEY,
          includeUsage: true,
        });
        return (modelId) => provider.chatModel(modelId);
      });
    },
  },
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
