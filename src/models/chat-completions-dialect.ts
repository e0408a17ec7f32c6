// What the vendors that speak the Chat Completions wire do differently in a plain text chat, as their
// AI SDK providers send it (@ai-sdk/openai's `.chat()`, @ai-sdk/openai-compatible with
// `includeUsage`, @ai-sdk/cerebras, @ai-sdk/groq): cai's own client sends the same requests.

export interface ChatCompletionsDialect {
  /**
   * OpenAI's rules for its reasoning models (o1, o3, o4-mini, gpt-5 but not gpt-5-chat): the system
   * prompt goes in a `developer` message, the cap is `max_completion_tokens`, and `temperature` and
   * `top_p` are left out (the API refuses them).
   */
  openAiReasoningModels: boolean;
  /**
   * Ask for a last chunk with the usage (`stream_options.include_usage`). Cerebras and Groq are not
   * asked, as their SDK providers do not ask: they add the usage to the last chunk unasked (Groq in
   * `x_groq.usage`).
   */
  streamUsageOption: boolean;
}

export const CHAT_COMPLETIONS_DIALECTS = {
  openai: { openAiReasoningModels: true, streamUsageOption: true },
  openAiCompatible: { openAiReasoningModels: false, streamUsageOption: true },
  cerebras: { openAiReasoningModels: false, streamUsageOption: false },
  groq: { openAiReasoningModels: false, streamUsageOption: false },
} as const satisfies Record<string, ChatCompletionsDialect>;

/** As @ai-sdk/openai tells a reasoning model by its id: `o<N>…`, or `gpt-<N≥5>…` except a `-chat` variant. */
export function isOpenAiReasoningModel(modelId: string): boolean {
  if (/^o\d+(?:-|$)/.test(modelId)) return true;
  const gpt = /^gpt-(\d+)(?:\.(\d+))?(?:-(.+))?$/.exec(modelId);
  if (!gpt) return false;
  const [, major, minor, variant] = gpt;
  const isChatVariant = minor === undefined && (variant?.startsWith('chat') ?? false);
  return Number(major) >= 5 && !isChatVariant;
}
