import type { ChatModelPart } from './chat-model.ts';
import { invalidResponse, streamErrorEvent } from './chat-completions-errors.ts';
import { contentText, toFinishReason, toUsage, usageField } from './chat-completions-fields.ts';

// A reply asked for whole (`stream` absent): one `chat.completion` object → the parts a stream of it
// would give, one text delta (when there is text) and the finish.

export function wholeReplyParts(body: string, model: string): ChatModelPart[] {
  let reply: { error?: unknown; choices?: unknown; usage?: unknown; x_groq?: unknown };
  try {
    reply = JSON.parse(body) as typeof reply;
  } catch (error) {
    throw invalidResponse(model, `the provider sent a malformed reply (${(error as Error).message})`, error);
  }
  if (typeof reply !== 'object' || reply === null) throw invalidResponse(model, 'the reply is not an object');
  if (reply.error != null) throw streamErrorEvent({ model, error: reply.error, textSent: false });
  const choice = (Array.isArray(reply.choices) ? reply.choices[0] : undefined) as
    { message?: { content?: unknown; refusal?: unknown } | null; finish_reason?: unknown } | undefined;
  if (choice == null) throw invalidResponse(model, 'the reply did not contain any choices');
  let text = contentText(choice.message?.content);
  if (text === undefined) throw invalidResponse(model, 'the reply has a content that is not text');
  const refusal = choice.message?.refusal;
  const refused = typeof refusal === 'string' && refusal !== '';
  if (refused) text += refusal;
  if (typeof choice.finish_reason !== 'string') {
    throw invalidResponse(model, 'the reply came without a finish reason');
  }
  const finish: ChatModelPart = {
    type: 'finish',
    finishReason: toFinishReason(choice.finish_reason, refused),
    usage: toUsage(usageField(reply)),
    model,
  };
  return text === '' ? [finish] : [{ type: 'text-delta', text }, finish];
}
