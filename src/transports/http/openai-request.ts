import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { ChatModelMessage } from '../../models/chat-model.ts';
import { parseInput } from './validation.ts';

// The body of an OpenAI `POST /v1/chat/completions` request → what one cai turn needs. Parameters
// cai cannot honour are refused with a 400 that names them, never silently dropped; fields that
// only tune or label a request (seed, presence_penalty, metadata, …) are accepted and ignored.

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });

const message = z.looseObject({
  // `developer` is what newer OpenAI models call the system role.
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart)]),
  name: z.string().optional(),
});

const chatCompletionBody = z.looseObject({
  model: z.string().trim().min(1).max(200),
  messages: z.array(message).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  user: z.string().trim().min(1).max(256).nullish(),
});

export interface OpenAiTurnRequest {
  /** The cai model name as sent (`provider:model`, an alias, `default`). */
  model: string;
  /** The last user message: the one stored. */
  content: string;
  /** Every system (and developer) message, in order, joined by blank lines. */
  system: string | undefined;
  /** The user and assistant messages before `content`, oldest first. */
  history: ChatModelMessage[];
  stream: boolean;
  includeUsage: boolean;
  maxOutputTokens: number | undefined;
  temperature: number | undefined;
  topP: number | undefined;
  user: string | undefined;
}

function unsupported(param: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', {
    message: `Unsupported parameter: ${param}: ${message}`,
    details: { problems: [{ field: param, problem: message }] },
  });
}

const isSet = (value: unknown) =>
  value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);

/** The OpenAI features cai does not offer, each refused with its own explanation. */
function refuseUnsupported(body: Record<string, unknown>): void {
  if (isSet(body.n) && body.n !== 1)
    throw unsupported('n', 'cai answers one choice; send n=1 or leave it out.');
  for (const param of ['tools', 'functions', 'function_call']) {
    if (isSet(body[param])) throw unsupported(param, 'tool and function calling are not supported.');
  }
  if (isSet(body.tool_choice) && body.tool_choice !== 'none') {
    throw unsupported('tool_choice', 'tool and function calling are not supported.');
  }
  if (isSet(body.stop)) throw unsupported('stop', 'stop sequences are not supported.');
  if (body.logprobs === true) throw unsupported('logprobs', 'log probabilities are not available.');
  const format = body.response_format as { type?: unknown } | null | undefined;
  if (isSet(format) && format?.type !== 'text') {
    throw unsupported('response_format', 'only {"type":"text"} is supported (no JSON mode or schemas).');
  }
  if (
    isSet(body.audio) ||
    (Array.isArray(body.modalities) && body.modalities.some((mode) => mode !== 'text'))
  ) {
    throw unsupported('modalities', 'only text output is supported.');
  }
  if (!Array.isArray(body.messages)) return;
  body.messages.forEach((entry: unknown, index) => {
    const item = (entry ?? {}) as { role?: unknown; content?: unknown };
    if (item.role === 'tool' || item.role === 'function') {
      throw unsupported(
        `messages.${index}.role`,
        `"${item.role}" messages are not supported (no tool calling).`,
      );
    }
    if (!Array.isArray(item.content)) return;
    item.content.forEach((part: unknown, partIndex) => {
      const type = (part as { type?: unknown } | null)?.type;
      if (type !== 'text') {
        throw unsupported(
          `messages.${index}.content.${partIndex}.type`,
          `only text content is supported, not ${JSON.stringify(type)} (no images, audio or files).`,
        );
      }
    });
  });
}

function textOf(content: string | Array<{ text: string }>): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('\n');
}

export function parseOpenAiRequest(value: unknown): OpenAiTurnRequest {
  if (typeof value === 'object' && value !== null) refuseUnsupported(value as Record<string, unknown>);
  const body = parseInput(chatCompletionBody, value);
  const last = body.messages.at(-1)!;
  if (last.role !== 'user') {
    throw new AppError('VALIDATION_FAILED', {
      message: `Invalid body: messages: the last message must have role "user", not "${last.role}".`,
      details: {
        problems: [
          {
            field: `messages.${body.messages.length - 1}.role`,
            problem: "The last message must be the user's.",
          },
        ],
      },
    });
  }
  const system: string[] = [];
  const history: ChatModelMessage[] = [];
  for (const earlier of body.messages.slice(0, -1)) {
    const content = textOf(earlier.content);
    if (earlier.role === 'system' || earlier.role === 'developer') system.push(content);
    else history.push({ role: earlier.role, content });
  }
  return {
    model: body.model,
    content: textOf(last.content),
    system: system.length > 0 ? system.join('\n\n') : undefined,
    history,
    stream: body.stream ?? false,
    includeUsage: body.stream_options?.include_usage ?? false,
    maxOutputTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    user: body.user ?? undefined,
  };
}
