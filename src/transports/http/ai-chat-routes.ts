import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { scopeOf } from '../../auth/authenticator.ts';
import { AppError } from '../../core/errors.ts';
import { uuidv7 } from '../../core/ids.ts';
import type { HttpDependencies } from './http-dependencies.ts';
import { principalOf } from './tenant-guard.ts';
import { runTurnOverHttp, type RunTurnOptions } from './turn-over-http.ts';
import { parseInput } from './validation.ts';

// Doc 002's `POST /api/v1/ai/chat`, plus `POST /api/v1/chats/{chat_id}/messages` so that a chat
// made through doc 004's REST API can be talked to over plain HTTP too. Both answer the whole
// reply as JSON, or with `"stream": true` as Server-Sent Events.

const TITLE_LENGTH = 80;

const aiChatBody = z
  .object({
    content: z.string(),
    role: z.literal('user').default('user'),
    provider: z.string().trim().min(1).max(200).optional(),
    model: z.string().trim().min(1).max(200).optional(),
    context: z.record(z.string(), z.unknown()).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    conversation_id: z.string().min(1).max(64).optional(),
    user_id: z.string().trim().min(1).max(256).optional(),
    system: z.string().optional(),
    client_message_id: z.string().min(1).max(200).optional(),
    stream: z.boolean().default(false),
  })
  .strict();

const chatParams = z.object({ chat_id: z.string().min(1).max(64) });

const chatMessageBody = z
  .object({
    content: z.string(),
    model: z.string().trim().min(1).max(200).optional(),
    system: z.string().optional(),
    client_message_id: z.string().min(1).max(200).optional(),
    stream: z.boolean().default(false),
  })
  .strict();

/** Doc 002's `context` object, given to the model as a system note (it is not stored as a message). */
function systemPrompt(options: { system?: string; context?: Record<string, unknown> }): string | undefined {
  const parts: string[] = [];
  if (options.system) parts.push(options.system);
  if (options.context && Object.keys(options.context).length > 0) {
    parts.push(`Context about the user's situation: ${JSON.stringify(options.context)}`);
  }
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

export function registerAiChatRoutes(server: FastifyInstance, dependencies: HttpDependencies): void {
  const { store, engine, activeTurns, metrics } = dependencies;
  const runTurn = (options: Pick<RunTurnOptions, 'request' | 'reply' | 'stream' | 'input'>) =>
    runTurnOverHttp({ ...options, engine, activeTurns, metrics });

  server.post('/api/v1/ai/chat', { config: { weeklyQuota: true } }, async (request, reply) => {
    const principal = principalOf(request);
    const body = parseInput(aiChatBody, request.body);
    const scope = scopeOf(principal);
    const userId = principal.userId ?? body.user_id ?? null;
    if (principal.userId !== undefined && body.user_id !== undefined && body.user_id !== principal.userId) {
      throw new AppError('FORBIDDEN', { message: 'A user token can only chat as its own user.' });
    }

    const model = body.model ?? body.provider;
    const system = systemPrompt(body);
    // Refuse a bad prompt or model before anything is created: a refused request stores nothing
    // (not even the user, whose first sight doc 004 announces with user_created).
    engine.checkTurn({ content: body.content, system, model });

    // A new conversation is stored with the user message, in one transaction, by the engine: a
    // turn refused before that stores neither.
    const opening = body.conversation_id === undefined;
    if (opening && userId !== null) await store.ensureUser(principal.tenantId, userId);
    return runTurn({
      request,
      reply,
      stream: body.stream,
      input: {
        scope,
        conversationId: body.conversation_id ?? uuidv7(),
        content: body.content,
        model,
        system,
        clientMessageId: body.client_message_id,
        ...(opening
          ? {
              newConversation: {
                userId,
                title: body.content.trim().slice(0, TITLE_LENGTH) || null,
                metadata: body.metadata ?? {},
              },
            }
          : {}),
      },
    });
  });

  server.post('/api/v1/chats/:chat_id/messages', async (request, reply) => {
    const principal = principalOf(request);
    const { chat_id: chatId } = parseInput(chatParams, request.params, 'path');
    const body = parseInput(chatMessageBody, request.body);
    return runTurn({
      request,
      reply,
      stream: body.stream,
      input: {
        scope: scopeOf(principal),
        conversationId: chatId,
        content: body.content,
        model: body.model,
        system: body.system,
        clientMessageId: body.client_message_id,
      },
    });
  });
}
