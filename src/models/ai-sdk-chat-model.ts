import type {
  LanguageModelV3,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type { Usage } from '../core/domain.ts';
import { ModelError } from './chat-model.ts';
import type {
  ChatModel,
  ChatModelFinishReason,
  ChatModelMessage,
  ChatModelPart,
  ChatModelRequest,
} from './chat-model.ts';
import { toModelError } from './to-model-error.ts';

// A ChatModel over any AI SDK provider model, through the provider specification's `doStream`
// (LanguageModelV3): the vendor's wire format, parsing and errors come from the AI SDK provider,
// without `streamText`'s machinery for tools, steps and telemetry that cai does not use, which
// cost most of the CPU per token. Retries belong to cai (ResilientChatModel). Anything but a clean
// finish (an error part, an abort, a stream that just stops) is thrown as a ModelError: a reply is
// never silently cut short.

export interface AiSdkChatModelOptions {
  /** `provider:model`. */
  name: string;
  provider: string;
  /** The provider's model, or its promise while the provider's package loads. */
  model: LanguageModelV3 | Promise<LanguageModelV3>;
}

export class AiSdkChatModel implements ChatModel {
  readonly name: string;
  readonly provider: string;
  readonly #model: LanguageModelV3 | Promise<LanguageModelV3>;

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
    let reader: ReadableStreamDefaultReader<LanguageModelV3StreamPart> | undefined;
    try {
      if (request.delivery === 'whole') {
        yield* this.#whole(request, controller.signal);
        finished = true;
        return;
      }
      const model = await this.#model;
      const result = await model.doStream({
        prompt: toPrompt(request.messages),
        maxOutputTokens: request.maxOutputTokens,
        temperature: request.temperature,
        topP: request.topP,
        abortSignal: controller.signal,
      });
      reader = result.stream.getReader();
      while (true) {
        const { done, value: part } = await reader.read();
        if (done) break;
        if (part.type === 'text-delta') {
          if (part.delta !== '') yield { type: 'text-delta', text: part.delta };
        } else if (part.type === 'error') {
          throw fail(part.error);
        } else if (part.type === 'finish') {
          if (!endedCleanly(part.finishReason)) {
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
            usage: toUsage(part.usage),
            model: this.name,
          };
        }
      }
      if (controller.signal.aborted) throw fail(controller.signal.reason);
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
      reader?.cancel().catch(() => {});
    }
  }

  /**
   * A reply asked for whole: the provider's non-streaming call (`doGenerate`), so the upstream
   * answers in one response instead of a stream cai would only gather.
   */
  async *#whole(request: ChatModelRequest, signal: AbortSignal): AsyncGenerator<ChatModelPart> {
    const model = await this.#model;
    const result = await model.doGenerate({
      prompt: toPrompt(request.messages),
      maxOutputTokens: request.maxOutputTokens,
      temperature: request.temperature,
      topP: request.topP,
      abortSignal: signal,
    });
    if (!endedCleanly(result.finishReason)) {
      throw new ModelError({
        kind: 'invalid-response',
        message: `${this.name}: the reply came without a finish reason`,
        retryable: false,
      });
    }
    const text = textOf(result.content);
    if (text !== '') yield { type: 'text-delta', text };
    yield {
      type: 'finish',
      finishReason: toFinishReason(result.finishReason),
      usage: toUsage(result.usage),
      model: this.name,
    };
  }
}

/** The text parts of a whole reply (`doGenerate`), in order. */
function textOf(content: LanguageModelV3Content[]): string {
  let text = '';
  for (const part of content) if (part.type === 'text') text += part.text;
  return text;
}

/** cai's messages in the provider specification's prompt shape. */
function toPrompt(messages: ChatModelMessage[]): LanguageModelV3Prompt {
  return messages.map((message) =>
    message.role === 'system'
      ? { role: 'system', content: message.content }
      : { role: message.role, content: [{ type: 'text', text: message.content }] },
  );
}

function endedCleanly(reason: LanguageModelV3FinishReason): boolean {
  return reason.unified !== 'error' && !(reason.unified === 'other' && reason.raw === undefined);
}

function toFinishReason(reason: LanguageModelV3FinishReason): ChatModelFinishReason {
  const unified = reason.unified;
  return unified === 'stop' || unified === 'length' || unified === 'content-filter' ? unified : 'other';
}

function toUsage(usage: LanguageModelV3Usage): Usage | null {
  const inputTokens = usage.inputTokens.total;
  const outputTokens = usage.outputTokens.total;
  if (inputTokens === undefined && outputTokens === undefined) return null;
  return {
    inputTokens: inputTokens ?? 0,
    outputTokens: outputTokens ?? 0,
    totalTokens: (inputTokens ?? 0) + (outputTokens ?? 0),
  };
}
