import type { ChatModel, ChatModelPart, ChatModelRequest } from './chat-model.ts';
import type { ChatCompletionsDialect } from './chat-completions-dialect.ts';
import { readText } from './chat-completions-endpoint.ts';
import type { ChatCompletionsEndpoint } from './chat-completions-endpoint.ts';
import { abortedError, connectionError, httpStatusError } from './chat-completions-errors.ts';
import { chatCompletionsRequestBody } from './chat-completions-request-body.ts';
import { ChatCompletionsStreamReader } from './chat-completions-stream-reader.ts';
import { ChatCompletionsTextQueue } from './chat-completions-text-queue.ts';
import { wholeReplyParts } from './chat-completions-whole-reply.ts';

// A ChatModel that speaks the Chat Completions wire itself (OpenAI, Cerebras, Groq, Ollama, any
// OpenAI-compatible server), on node:http with a keep-alive agent: the AI SDK provider's web-streams
// pipeline cost 104–220 µs of CPU per token, this costs a fraction (docs/benchmarks.md). It behaves
// as AiSdkChatModel does over @ai-sdk/openai (the same parts, the same ModelErrors), which the
// shared contract test (chat-model-contract.ts) holds both to.
//
// The request is torn down at once however the call ends early: the caller's abort, a consumer that
// stops reading, a malformed stream. A reply that ends cleanly leaves its connection to the next call.

/** A body this long is an error page, not an error message; only its start is read. */
const ERROR_BODY_LIMIT = 64 * 1024;

export interface ChatCompletionsModelOptions {
  /** `provider:model`. */
  name: string;
  provider: string;
  /** The model as the vendor names it (`gpt-4o-mini`). */
  modelId: string;
  endpoint: ChatCompletionsEndpoint;
  dialect: ChatCompletionsDialect;
}

export class ChatCompletionsModel implements ChatModel {
  readonly name: string;
  readonly provider: string;
  readonly #modelId: string;
  readonly #endpoint: ChatCompletionsEndpoint;
  readonly #dialect: ChatCompletionsDialect;

  constructor(options: ChatCompletionsModelOptions) {
    this.name = options.name;
    this.provider = options.provider;
    this.#modelId = options.modelId;
    this.#endpoint = options.endpoint;
    this.#dialect = options.dialect;
  }

  async *stream(request: ChatModelRequest): AsyncGenerator<ChatModelPart> {
    const { signal } = request;
    if (signal.aborted) throw abortedError(this.name, signal.reason);
    const body = chatCompletionsRequestBody({ modelId: this.#modelId, request, dialect: this.#dialect });
    const { outgoing, response: responseHead } = this.#endpoint.post(body);
    const abort = () => outgoing.destroy();
    signal.addEventListener('abort', abort, { once: true });
    let midStream = false;
    let completed = false;
    try {
      const response = await responseHead;
      const statusCode = response.statusCode ?? 0;
      if (statusCode < 200 || statusCode >= 300) {
        throw httpStatusError({
          model: this.name,
          statusCode,
          statusMessage: response.statusMessage,
          body: await readText(response, ERROR_BODY_LIMIT),
          headers: response.headers,
        });
      }
      midStream = true;
      if (request.delivery === 'whole') {
        const parts = wholeReplyParts(await readText(response), this.name);
        completed = true;
        yield* parts;
        return;
      }
      // Read until the response ends, so that its connection can serve the next call.
      const reader = new ChatCompletionsStreamReader(this.name);
      const texts = new ChatCompletionsTextQueue(response, reader);
      for (let text = texts.take(); text !== null; text = texts.take()) {
        if (text === '') await texts.arrival();
        else yield { type: 'text-delta', text };
      }
      const finish = reader.finish();
      completed = true;
      yield finish;
    } catch (error) {
      throw connectionError(error, { model: this.name, signal, midStream });
    } finally {
      signal.removeEventListener('abort', abort);
      if (!completed) outgoing.destroy();
    }
  }
}
