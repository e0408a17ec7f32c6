import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { scopeOf } from '../../auth/authenticator.ts';
import { AppError } from '../../core/errors.ts';
import { uuidv7 } from '../../core/ids.ts';
import type { HttpDependencies } from './http-dependencies.ts';
import { installOpenAiErrorHandler } from './openai-errors.ts';
import { parseOpenAiRequest } from './openai-request.ts';
import { runOpenAiTurn } from './openai-turn.ts';
import { modelObject } from './openai-wire.ts';
import { principalOf } from './tenant-guard.ts';
import { parseInput } from './validation.ts';

// The OpenAI-compatible API (docs/api/openai-compatible.md): `POST /v1/chat/completions` and
// `GET /v1/models`, for any client written against OpenAI. Registered inside the tenant scope, so
// the Bearer key (or JWT) and the REST rate limit apply; errors take OpenAI's shape.

const TITLE_LENGTH = 80;
const conversationIdHeader = z.string().trim().min(1).max(64).optional();
const modelParams = z.object({ model: z.string().min(1).max(200) });

export function registerOpenAiCompatibleRoutes(
  server: FastifyInstance,
  dependencies: HttpDependencies,
): PromiseLike<unknown> {
  // An encapsulated child: the error handler below covers these routes and the tenant hooks run for them.
  return server.register(async (scope) => {
    installOpenAiErrorHandler(scope);
    // The server's listing has no dates; the time it started stands in for `created`.
    const created = Math.floor(Date.now() / 1000);

    scope.get('/v1/models', async () => ({
      object: 'list',
      data: dependencies.models.list().map((model) => modelObject({ ...model, created })),
    }));

    scope.get('/v1/models/:model', async (request) => {
      const { model: id } = parseInput(modelParams, request.params, 'path');
      const model = dependencies.models.list().find((listing) => listing.id === id);
      if (model === undefined) {
        throw new AppError('NOT_FOUND', { message: `No model "${id}" here; GET /v1/models lists them.` });
      }
      return modelObject({ ...model, created });
    });

    scope.post('/v1/chat/completions', async (request, reply) => {
      const principal = principalOf(request);
      const body = parseOpenAiRequest(request.body);
      const continued = parseInput(
        conversationIdHeader,
        request.headers['x-conversation-id'],
        'header X-Conversation-Id',
      );
      const tenantScope = scopeOf(principal);
      if (principal.userId !== undefined && body.user !== undefined && body.user !== principal.userId) {
        throw new AppError('FORBIDDEN', { message: 'A user token can only chat as its own user.' });
      }
      const system = body.system === undefined ? {} : { system: body.system };
      // Refused before anything is created: a refused request stores nothing.
      dependencies.engine.checkTurn({ content: body.content, model: body.model, ...system });

      // A new conversation is stored with the user message, in one transaction, by the engine:
      // a turn refused before that stores neither.
      const userId = principal.userId ?? body.user ?? null;
      if (continued === undefined && userId !== null) {
        await dependencies.store.ensureUser(tenantScope.tenantId, userId);
      }
      return runOpenAiTurn({
        request,
        reply,
        dependencies,
        stream: body.stream,
        includeUsage: body.includeUsage,
        input: {
          scope: tenantScope,
          conversationId: continued ?? uuidv7(),
          content: body.content,
          model: body.model,
          ...system,
          // A continued conversation's model sees its stored history instead of the request's.
          ...(continued === undefined
            ? {
                history: body.history,
                newConversation: {
                  userId,
                  title: body.content.trim().slice(0, TITLE_LENGTH) || null,
                  metadata: { source: 'openai-compatible' },
                },
              }
            : {}),
          ...(body.maxOutputTokens === undefined ? {} : { maxOutputTokens: body.maxOutputTokens }),
          ...(body.temperature === undefined ? {} : { temperature: body.temperature }),
          ...(body.topP === undefined ? {} : { topP: body.topP }),
        },
      });
    });
  });
}
