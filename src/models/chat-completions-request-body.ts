import type { ChatModelRequest } from './chat-model.ts';
import { isOpenAiReasoningModel } from './chat-completions-dialect.ts';
import type { ChatCompletionsDialect } from './chat-completions-dialect.ts';

// The JSON body of `POST /chat/completions` for a plain text chat, field for field as the AI SDK
// providers send it (see chat-completions-dialect.ts): a streamed request asks for the usage too.

export function chatCompletionsRequestBody(options: {
  modelId: string;
  request: ChatModelRequest;
  dialect: ChatCompletionsDialect;
}): string {
  const { modelId, request, dialect } = options;
  const stream = request.delivery !== 'whole';
  const reasoning = dialect.openAiReasoningModels && isOpenAiReasoningModel(modelId);
  // OpenAI's search-preview models refuse a temperature (@ai-sdk/openai drops it too).
  const dropsTemperature =
    reasoning || (dialect.openAiReasoningModels && /^gpt-4o(-mini)?-search-preview/.test(modelId));
  const systemRole = reasoning ? 'developer' : 'system';
  return JSON.stringify({
    model: modelId,
    messages: request.messages.map((message) => ({
      role: message.role === 'system' ? systemRole : message.role,
      content: message.content,
    })),
    max_tokens: reasoning ? undefined : request.maxOutputTokens,
    max_completion_tokens: reasoning ? request.maxOutputTokens : undefined,
    temperature: dropsTemperature ? undefined : request.temperature,
    top_p: reasoning ? undefined : request.topP,
    stream: stream ? true : undefined,
    stream_options: stream && dialect.streamUsageOption ? { include_usage: true } : undefined,
  });
}
