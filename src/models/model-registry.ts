import type { Config } from '../config.ts';
import { AppError } from '../core/errors.ts';
import type { ChatModel } from './chat-model.ts';
import { MODEL_PROVIDERS } from './model-providers.ts';
import type { ModelProvider } from './model-providers.ts';
import { OFFLINE_MODEL_NAME, OfflineChatModel } from './offline-chat-model.ts';
import type { OfflineChatModelOptions } from './offline-chat-model.ts';
import { ResilientChatModel } from './resilient-chat-model.ts';
import type { ResilientChatModelOptions } from './resilient-chat-model.ts';

// Which models this server can call, and what a name means: `provider:model`, a bare provider
// (its default model), doc 002's aliases `gpt` / `claude` / `llama`, or `default`. A name that
// cannot be served is an error that says what can: never a silent substitution.

export interface ModelListing {
  /** `provider:model`. */
  name: string;
  provider: string;
  /** Other names that resolve to it (`gpt`, `default`, …). */
  aliases: string[];
}

export interface ModelRegistryOptions {
  config: Config;
  offline?: OfflineChatModelOptions;
  /** Test seams of the resilient wrapper. */
  resilience?: Pick<ResilientChatModelOptions, 'sleep' | 'random' | 'onRecoveredFailure'>;
}

const ALIASES = ['gpt', 'claude', 'llama'] as const;
const DEFAULT_NAMES = new Set(['', 'default']);

export class ModelRegistry {
  readonly #config: Config;
  readonly #options: ModelRegistryOptions;
  readonly #factories = new Map<string, (modelId: string) => ChatModel>();
  readonly #models = new Map<string, ChatModel>();
  /** Set while list() runs: its probing errors are discarded, so they need not (and must not) list again. */
  #listing = false;

  constructor(options: ModelRegistryOptions) {
    this.#config = options.config;
    this.#options = options;
    for (const provider of MODEL_PROVIDERS) {
      const factory = provider.create(options.config);
      if (factory) this.#factories.set(provider.name, factory);
    }
    this.#models.set(OFFLINE_MODEL_NAME, new OfflineChatModel(options.offline));
  }

  /** The vendor providers with credentials (the built-in model is always there besides). */
  configuredProviders(): string[] {
    return [...this.#factories.keys()];
  }

  /** DEFAULT_MODEL, else the first configured provider's default model, else the offline model. */
  defaultModelName(): string {
    const configured = this.#config.DEFAULT_MODEL;
    if (configured && !DEFAULT_NAMES.has(configured.toLowerCase())) return this.resolveName(configured);
    const [first] = this.configuredProviders();
    return first ? `${first}:${providerNamed(first)?.defaultModel}` : OFFLINE_MODEL_NAME;
  }

  /** A name as the user gave it → `provider:model`; throws MODEL_NOT_FOUND or PROVIDER_NOT_CONFIGURED. */
  resolveName(name?: string): string {
    const given = (name ?? '').trim();
    const lowered = given.toLowerCase();
    if (DEFAULT_NAMES.has(lowered)) return this.defaultModelName();
    const alias = ALIASES.find((candidate) => candidate === lowered);
    if (alias) return this.#resolveQualified(this.#aliasTarget(alias), `"${alias}" stands for`);
    if (lowered === 'builtin' || lowered === OFFLINE_MODEL_NAME) return OFFLINE_MODEL_NAME;
    if (providerNamed(lowered)) return this.#resolveQualified(`${lowered}:`, '');
    if (given.includes(':')) return this.#resolveQualified(given, '');
    throw this.#notFound(given);
  }

  /** One model, without retries or fallback. */
  model(name?: string): ChatModel {
    const qualified = this.resolveName(name);
    const existing = this.#models.get(qualified);
    if (existing) return existing;
    const separator = qualified.indexOf(':');
    const provider = qualified.slice(0, separator);
    const factory = this.#factories.get(provider);
    if (!factory) throw this.#notConfigured(provider, qualified);
    const model = factory(qualified.slice(separator + 1));
    this.#models.set(qualified, model);
    return model;
  }

  /**
   * The model for a request: the one asked for, then FALLBACK_MODELS that are configured (each once),
   * with retries and the chunk timeout. The `finish` part names the model that actually answered.
   */
  resolve(name?: string): ResilientChatModel {
    const requested = this.model(name);
    const chain = [requested];
    for (const fallbackName of this.#config.FALLBACK_MODELS) {
      const fallback = this.#tryModel(fallbackName);
      if (fallback && !chain.includes(fallback)) chain.push(fallback);
    }
    return new ResilientChatModel({
      chain,
      maxRetries: this.#config.MODEL_MAX_RETRIES,
      retryBaseDelayMs: this.#config.MODEL_RETRY_BASE_DELAY_MS,
      retryMaxDelayMs: this.#config.MODEL_RETRY_MAX_DELAY_MS,
      chunkTimeoutMs: this.#config.MODEL_CHUNK_TIMEOUT_MS,
      replyTimeoutMs: this.#config.MODEL_REPLY_TIMEOUT_MS,
      ...this.#options.resilience,
    });
  }

  /** The models a client can name here (for `/v1/models`), the default first. */
  list(): ModelListing[] {
    if (this.#listing) return [];
    this.#listing = true;
    try {
      return this.#collectListings();
    } finally {
      this.#listing = false;
    }
  }

  #collectListings(): ModelListing[] {
    const listings = new Map<string, ModelListing>();
    const add = (name: string, alias?: string) => {
      const listing = listings.get(name) ?? { name, provider: name.slice(0, name.indexOf(':')), aliases: [] };
      if (alias && !listing.aliases.includes(alias)) listing.aliases.push(alias);
      listings.set(name, listing);
    };
    const defaultName = this.#tryName(undefined);
    if (defaultName) add(defaultName, 'default');
    for (const provider of this.configuredProviders())
      add(`${provider}:${providerNamed(provider)?.defaultModel}`, provider);
    for (const alias of ALIASES) {
      const target = this.#tryName(alias);
      if (target) add(target, alias);
    }
    for (const fallbackName of this.#config.FALLBACK_MODELS) {
      const target = this.#tryName(fallbackName);
      if (target) add(target);
    }
    add(OFFLINE_MODEL_NAME);
    return [...listings.values()];
  }

  /** Settings that name models this server cannot serve (DEFAULT_MODEL, FALLBACK_MODELS), for the start-up log. */
  problems(): string[] {
    const named = [
      ...(this.#config.DEFAULT_MODEL ? [['DEFAULT_MODEL', this.#config.DEFAULT_MODEL]] : []),
      ...this.#config.FALLBACK_MODELS.map((name) => ['FALLBACK_MODELS', name]),
    ];
    return named.flatMap(([setting, name]) => {
      try {
        this.resolveName(name);
        return [];
      } catch (error) {
        return [`${setting}: ${error instanceof Error ? error.message : String(error)}`];
      }
    });
  }

  #aliasTarget(alias: (typeof ALIASES)[number]): string {
    const targets = {
      gpt: this.#config.MODEL_ALIAS_GPT,
      claude: this.#config.MODEL_ALIAS_CLAUDE,
      llama: this.#config.MODEL_ALIAS_LLAMA,
    };
    return targets[alias];
  }

  /** `provider:model` (model may be empty: the provider's default) → checked `provider:model`. */
  #resolveQualified(name: string, via: string): string {
    const separator = name.indexOf(':');
    if (separator <= 0) throw this.#notFound(name);
    const providerName = name.slice(0, separator).trim().toLowerCase();
    const modelId = name.slice(separator + 1).trim();
    if (providerName === 'builtin') {
      if (modelId === '' || `builtin:${modelId}` === OFFLINE_MODEL_NAME) return OFFLINE_MODEL_NAME;
      throw this.#notFound(name);
    }
    const provider = providerNamed(providerName);
    if (!provider) throw this.#notFound(name);
    const qualified = `${provider.name}:${modelId === '' ? provider.defaultModel : modelId}`;
    if (!this.#factories.has(provider.name))
      throw this.#notConfigured(provider.name, via ? `${via} ${qualified}` : qualified);
    return qualified;
  }

  #tryName(name: string | undefined): string | undefined {
    try {
      return this.resolveName(name);
    } catch {
      return undefined;
    }
  }

  #tryModel(name: string): ChatModel | undefined {
    try {
      return this.model(name);
    } catch {
      return undefined;
    }
  }

  #notConfigured(providerName: string, asked: string): AppError {
    const provider = providerNamed(providerName);
    const configured = this.configuredProviders();
    return new AppError('PROVIDER_NOT_CONFIGURED', {
      message:
        `The model provider "${providerName}" (${asked}) is not configured on this server; ` +
        `configured: ${[...configured, 'builtin'].join(', ')}.`,
      details: {
        provider: providerName,
        configured,
        available: this.list().map((listing) => listing.name),
        howToConfigure: provider?.howToConfigure,
      },
    });
  }

  #notFound(name: string): AppError {
    const available = this.list();
    return new AppError('MODEL_NOT_FOUND', {
      message:
        `No model named "${name}". Name a model as provider:model (such as openai:gpt-4o-mini), ` +
        `a provider, one of ${ALIASES.join(', ')}, or default.`,
      details: {
        available: available.map((listing) => listing.name),
        aliases: [...ALIASES, 'default'],
        providers: [...MODEL_PROVIDERS.map((provider) => provider.name), 'builtin'],
        configured: this.configuredProviders(),
      },
    });
  }
}

function providerNamed(name: string): ModelProvider | undefined {
  return MODEL_PROVIDERS.find((provider) => provider.name === name);
}
