import { streamText } from 'ai';
import type { FinishReason, LanguageModel, LanguageModelUsage } from 'ai';
import type { Usage } from '../core/domain.ts';
import { ModelError } from './chat-model.ts';
import type { ChatModel, ChatModelFinishReason, ChatModelPart, ChatModelRequest } from './chat-model.ts';
import { toModelError } from './to-model-error.ts';

// A ChatModel over any AI SDK language model. `streamText` never throws: failures arrive as `error`
// parts of `fullStream`, so that is what is read. Retries belong to cai (ResilientChatModel), so the
// SDK's own are off. Anything but a clean finish (an error part, an abort, a stream that just stops)
// is thrown as a ModelError: a reply is never silently cut short.

export interface AiSdkChatModelOptions {
  /** `provider:model`. */
  name: string;
  provider: string;
  model: LanguageModel;
}

export class AiSdkChatModel implements ChatModel {
  readonly name: string;
  readonly provider: string;
  readonly #model: LanguageModel;

  constructor(options: AiSdkChatModelOptions) {
    this.name = options.name;
    this.provider = options.provider;
    this.#model = options.model;
  }

  async *stream(request: ChatModelRequest): AsyncGenerator<ChatModelPart> {
    // Our own controller, so that a consumer that stops reading also tears the HTTP request down.
    const controller = new AbortController();
    const abort = () => controller.abort(request.signal.reason);
    if (request.signal.aborted) abort();
    request.signal.addEventListener('abort', abort, { once: true });
    const fail = (error: unknown) => toModelError(error, { signal: controller.signal, model: this.name });
    let finished = false;
    try {
      const result = streamText({
        model: this.#model,
        messages: request.messages,
        allowSystemInMessages: true,
        maxOutputTokens: request.maxOutputTokens,
        temperature: request.temperature,
        maxRetries: 0,
        abortSignal: controller.signal,
        onError: () => {}, // reported through the `error` part below, not the console
      });
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') {
          if (part.text !== '') yield { type: 'text-delta', text: part.text };
        } else if (part.type === 'error') {
          throw fail(part.error);
        } else if (part.type === 'abort') {
          throw fail(controller.signal.reason ?? new DOMException('aborted', 'AbortError'));
        } else if (part.type === 'finish') {
          if (
            part.finishReason === 'error' ||
            (part.finishReason === 'other' && part.rawFinishReason === undefined)
          ) {
            throw new ModelError({
              kind: 'invalid-response',
              message: `${this.name}: the stream ended without a finish reason`,
              retryable: false,
            });
          }
          finished = true;
          yield {
            type: 'finish',
            finishReason: toFinishReason(part.finishReason),
            usage: toUsage(part.totalUsage),
            model: this.name,
          };
        }
      }
      if (!finished) {
        throw new ModelError({
          kind: 'invalid-response',
          message: `${this.name}: the stream ended before it finished`,
          retryable: false,
        });
      }
    } catch (error) {
      throw fail(error);
    } finally {
      request.signal.removeEventListener('abort', abort);
      if (!finished) controller.abort(new DOMException('The consumer stopped reading.', 'AbortError'));
    }
  }
}

function toFinishReason(reason: FinishReason): ChatModelFinishReason {
  return reason === 'stop' || reason === 'length' || reason === 'content-filter' ? reason : 'other';
}

function toUsage(usage: LanguageModelUsage): Usage | null {
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) return null;
  const inputTokens = usage.inputTokens ?? 0;
  const outputTokens = usage.outputTokens ?? 0;
  return { inputTokens, outputTokens, totalTokens: usage.totalTokens ?? inputTokens + outputTokens };
}
