import type { Usage } from '../core/domain.ts';
import type { ChatModelPart } from './chat-model.ts';
import { invalidResponse, streamErrorEvent } from './chat-completions-errors.ts';
import { contentText, toFinishReason, toUsage, usageField } from './chat-completions-fields.ts';

// One streamed Chat Completions reply, an SSE event at a time: `data: {chat.completion.chunk}` …
// `data: [DONE]`. Each event is parsed once (JSON.parse, then typeof checks, no schema) into the text
// it adds; the finish reason and the usage are remembered for the finish part, which is given only
// once the response has ended, as the AI SDK gives it. A malformed event or an `{"error":…}` event
// throws a ModelError at once: a reply is never silently cut short or patched over.

interface Chunk {
  error?: unknown;
  choices?: unknown;
  usage?: unknown;
  x_groq?: unknown;
}

interface Choice {
  finish_reason?: unknown;
  delta?: { content?: unknown; refusal?: unknown } | null;
}

export class ChatCompletionsStreamReader {
  readonly #model: string;
  #finishReason: string | undefined;
  #usage: Usage | null = null;
  #refused = false;
  #textSent = false;

  constructor(model: string) {
    this.#model = model;
  }

  /** One event's data → the text it adds ('' when none). */
  read(data: string): string {
    if (data === '[DONE]') return '';
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch (error) {
      throw invalidResponse(
        this.#model,
        `the provider sent a malformed stream (${(error as Error).message})`,
        error,
      );
    }
    if (typeof chunk !== 'object' || chunk === null) throw this.#unexpected('an event that is not an object');
    if (chunk.error != null) {
      throw streamErrorEvent({ model: this.#model, error: chunk.error, textSent: this.#textSent });
    }
    const usage = usageField(chunk);
    if (usage != null) this.#usage = toUsage(usage);
    const choices = chunk.choices;
    if (choices == null) return '';
    if (!Array.isArray(choices)) throw this.#unexpected('`choices` that is not a list');
    const choice = choices[0] as Choice | undefined;
    if (choice == null) return '';
    if (typeof choice.finish_reason === 'string') this.#finishReason = choice.finish_reason;
    const delta = choice.delta;
    if (delta == null) return '';
    let text = contentText(delta.content);
    if (text === undefined) throw this.#unexpected('a delta whose content is not text');
    if (typeof delta.refusal === 'string' && delta.refusal !== '') {
      // OpenAI's refusal is shown as text, as the AI SDK shows it; the reply then ends content-filtered.
      this.#refused = true;
      text += delta.refusal;
    }
    if (text !== '') this.#textSent = true;
    return text;
  }

  /** The finish part once the response has ended; throws when the stream never said how it finished. */
  finish(): ChatModelPart {
    if (this.#finishReason === undefined) {
      throw invalidResponse(this.#model, 'the stream ended without a finish reason');
    }
    return {
      type: 'finish',
      finishReason: toFinishReason(this.#finishReason, this.#refused),
      usage: this.#usage,
      model: this.#model,
    };
  }

  #unexpected(what: string) {
    return invalidResponse(this.#model, `the provider sent ${what}`);
  }
}
