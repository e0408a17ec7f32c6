import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { scopeOf } from '../../auth/authenticator.ts';
import { AppError } from '../../core/errors.ts';
import type { HttpDependencies } from './http-dependencies.ts';
import { pageEnvelope, parsePage } from './pagination.ts';
import { principalOf } from './tenant-guard.ts';
import { parseInput } from './validation.ts';
import { chatToWire, messageToWire } from './wire-format.ts';

// Doc 004's chat management: create, list a user's chats, read one, page through its messages,
// delete. Doc 003 reads its session history through the same messages endpoint with a JWT.

const userIdSchema = z.string().trim().min(1).max(256);
const createChatBody = z
  .object({
    user_id: userIdSchema.optional(),
    title: z.string().max(500).nullable().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
const chatParams = z.object({ chat_id: z.string().min(1).max(64) });
const userParams = z.object({ user_id: userIdSchema });

export function registerChatRoutes(server: FastifyInstance, dependencies: HttpDependencies): void {
  const { store } = dependencies;

  server.post('/api/v1/chats', async (request, reply) => {
    const principal = principalOf(request);
    const body = parseInput(createChatBody, request.body ?? {});
    // A JWT speaks for its own user only; an API key names the user.
    const userId = principal.userId ?? body.user_id;
    if (userId === undefined) {
      throw new AppError('VALIDATION_FAILED', {
        message: 'Invalid body: user_id: required',
        details: {
          problems: [
            { field: 'user_id', problem: 'Required with an API key: name the user this chat is for.' },
          ],
        },
      });
    }
    if (principal.userId !== undefined && body.user_id !== undefined && body.user_id !== principal.userId) {
      throw new AppError('FORBIDDEN', { message: 'A user token can only create chats for its own user.' });
    }
    await store.ensureUser(principal.tenantId, userId);
    const chat = await store.createConversation(scopeOf(principal), {
      userId,
      title: body.title ?? null,
      metadata: body.metadata ?? {},
    });
    return reply.status(201).send(chatToWire(chat));
  });

  server.get('/api/v1/chats/user/:user_id', async (request) => {
    const principal = principalOf(request);
    const { user_id: userId } = parseInput(userParams, request.params, 'path');
    const page = parsePage(request.query, 'desc');
    const result = await store.listConversations(scopeOf(principal), { userId }, page);
    return { chats: result.items.map(chatToWire), ...pageEnvelope(page, result.total, result.items.length) };
  });

  server.get('/api/v1/chats/:chat_id', async (request) => {
    const principal = principalOf(request);
    const { chat_id: chatId } = parseInput(chatParams, request.params, 'path');
    const chat = await store.getConversation(scopeOf(principal), chatId);
    if (chat === undefined) throw new AppError('CHAT_NOT_FOUND');
    return chatToWire(chat);
  });

  server.get('/api/v1/chats/:chat_id/messages', async (request) => {
    const principal = principalOf(request);
    const { chat_id: chatId } = parseInput(chatParams, request.params, 'path');
    const page = parsePage(request.query);
    const scope = scopeOf(principal);
    if ((await store.getConversation(scope, chatId)) === undefined) throw new AppError('CHAT_NOT_FOUND');
    const result = await store.listMessages(scope, chatId, page);
    return {
      messages: result.items.map(messageToWire),
      ...pageEnvelope(page, result.total, result.items.length),
    };
  });

  server.delete('/api/v1/chats/:chat_id', async (request, reply) => {
    const principal = principalOf(request);
    const { chat_id: chatId } = parseInput(chatParams, request.params, 'path');
    const deleted = await store.deleteConversation(scopeOf(principal), chatId);
    if (!deleted) throw new AppError('CHAT_NOT_FOUND');
    return reply.status(204).send();
  });
}
