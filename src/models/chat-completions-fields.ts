import type { Usage } from '../core/domain.ts';
import type { ChatModelFinishReason } from './chat-model.ts';

// The fields of a Chat Completions reply that cai reads, streamed (`choices[0].delta`) or whole
// (`choices[0].message`), checked with typeof rather than a schema: they are read once per chunk.

/** `stop`, `length`, `content_filter` as the AI SDK maps them; anything else (`tool_calls`, …) is `other`. */
export function toFinishReason(raw: string, refused: boolean): ChatModelFinishReason {
  if (raw === 'stop') return refused ? 'content-filter' : 'stop';
  if (raw === 'length') return 'length';
  if (raw === 'content_filter') return 'content-filter';
  return 'other';
}

/** `usage` (or Groq's `x_groq.usage`); the total is counted from the parts, as the AI SDK counts it. */
export function toUsage(usage: unknown): Usage | null {
  if (typeof usage !== 'object' || usage === null) return null;
  const { prompt_tokens: prompt, completion_tokens: completion } = usage as Record<string, unknown>;
  const inputTokens = typeof prompt === 'number' ? prompt : 0;
  const outputTokens = typeof completion === 'number' ? completion : 0;
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

/** The usage a chunk or reply carries: OpenAI's `usage`, else Groq's `x_groq.usage`. */
export function usageField(value: { usage?: unknown; x_groq?: unknown }): unknown {
  if (value.usage != null) return value.usage;
  const groq = value.x_groq;
  return typeof groq === 'object' && groq !== null ? (groq as { usage?: unknown }).usage : undefined;
}

/**
 * A message's or delta's text: a string, or (some OpenAI-compatible servers) a list of parts whose
 * `text` parts count. Undefined when it is neither, which the caller reports as an invalid response.
 */
export function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (content == null) return '';
  if (!Array.isArray(content)) return undefined;
  let text = '';
  for (const part of content) {
    const { type, text: partText } = (part ?? {}) as { type?: unknown; text?: unknown };
    if (type === 'text' && typeof partText === 'string') text += partText;
  }
  return text;
}
