import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveTurn, StartTurnInput, TurnEndEvent } from '../../core/conversation-engine.ts';
import { AppError } from '../../core/errors.ts';
import { ClientGone } from './client-gone.ts';
import type { HttpDependencies } from './http-dependencies.ts';
import { openAiErrorBody } from './openai-errors.ts';
import { openChunkStream, type ChunkStream } from './openai-chunk-stream.ts';
import { collectTurn } from './turn-over-http.ts';
import {
  chatCompletion,
  chatCompletionChunk,
  completionIdentity,
  openAiFinishReason,
  usageChunk,
  type CompletionIdentity,
} from './openai-wire.ts';

// Runs one turn for `POST /v1/chat/completions`, answered as a `chat.completion` or as OpenAI's
// chunk stream. A failure before the first token is a plain HTTP error; after it, an
// `data: {"error":…}` event ends the stream. A client that goes away aborts the model call.

export const CONVERSATION_HEADER = 'x-cai-conversation-id';

export interface OpenAiTurnOptions {
  request: FastifyRequest;
  reply: FastifyReply;
  dependencies: Pick<HttpDependencies, 'engine' | 'activeTurns' | 'metrics'>;
  input: Omit<StartTurnInput, 'signal'>;
  stream: boolean;
  includeUsage: boolean;
}

/** Answers the completion object, or undefined once the stream was written (or the client left). */
export async function runOpenAiTurn(options: OpenAiTurnOptions): Promise<unknown> {
  const { reply, dependencies } = options;
  const clientGone = new ClientGone(reply.raw);
  const turn = await dependencies.engine.startTurn({
    ...options.input,
    // A completion object waits for the whole reply anyway: the model is asked for it in one piece.
    delivery: options.stream ? 'stream' : 'whole',
    signal: clientGone.signalBeforeStart(),
  });
  // No clientMessageId is ever given here, so a turn cannot be a resend.
  if (turn.duplicate) throw new AppError('INTERNAL_ERROR', { message: 'Unexpected duplicate turn.' });
  clientGone.watch(turn);
  reply.header(CONVERSATION_HEADER, turn.conversationId);

  let finished!: () => void;
  dependencies.activeTurns.track(turn, new Promise<void>((resolve) => (finished = resolve)));
  dependencies.metrics.activeStreams.inc();
  try {
    const identity = completionIdentity({ assistantMessageId: turn.assistantMessageId, model: turn.model });
    if (options.stream) {
      await streamCompletion({ ...options, turn, identity, clientGone });
      return undefined;
    }
    const end = await collectTurn(turn, options.dependencies.metrics);
    if (clientGone.gone) return leave(reply);
    throwIfFailed(end, turn);
    return chatCompletion({
      identity: { ...identity, model: end.model },
      content: end.text,
      finishReason: openAiFinishReason(end.finishReason),
      usage: end.usage,
    });
  } finally {
    dependencies.metrics.activeStreams.dec();
    finished();
  }
}

/** A turn that did not end normally, as the error the client is told. */
function failureOf(end: TurnEndEvent, turn: LiveTurn): AppError | undefined {
  const details = { conversation_id: turn.conversationId, message_id: turn.assistantMessageId };
  if (end.finishReason === 'error') {
    return new AppError(end.error?.code === 'MODEL_TIMEOUT' ? 'MODEL_TIMEOUT' : 'MODEL_ERROR', {
      message: end.error?.message ?? 'The model failed.',
      details,
    });
  }
  // With the client still there, only the server interrupts a turn: it is shutting down.
  if (end.finishReason === 'interrupted') {
    return new AppError('SERVICE_UNAVAILABLE', {
      message: 'The reply was interrupted: the server is shutting down.',
      details,
    });
  }
  return undefined;
}

function throwIfFailed(end: TurnEndEvent, turn: LiveTurn): void {
  const failure = failureOf(end, turn);
  if (failure) throw failure;
}

/** The client is gone: nothing to answer, just release the response. */
function leave(reply: FastifyReply): undefined {
  reply.hijack();
  reply.raw.destroy();
  return undefined;
}

async function streamCompletion(
  options: OpenAiTurnOptions & { turn: LiveTurn; identity: CompletionIdentity; clientGone: ClientGone },
): Promise<void> {
  const { turn, identity, reply, clientGone } = options;
  const { metrics } = options.dependencies;
  // Opened at the first token, so a failure before it can still be answered with an HTTP status.
  let stream: ChunkStream | undefined;
  const open = async (): Promise<ChunkStream> => {
    const opened = openChunkStream(reply, () => clientGone.leave());
    await opened.send(chatCompletionChunk({ identity, delta: { role: 'assistant', content: '' } }));
    return opened;
  };
  for await (const event of turn.events) {
    if (event.type === 'text-delta') {
      metrics.streamedTokens.inc();
      stream ??= await open();
      await stream.send(chatCompletionChunk({ identity, delta: { content: event.text } }));
    } else if (event.type === 'turn-end') {
      metrics.turns.inc({ finish_reason: event.finishReason });
      if (clientGone.gone) {
        if (stream === undefined) leave(reply);
        return;
      }
      const failure = failureOf(event, turn);
      if (stream === undefined) {
        if (failure) throw failure;
        stream = await open();
      }
      if (failure) {
        await stream.send(openAiErrorBody(failure));
        stream.end({ done: false });
        return;
      }
      const ended = { ...identity, model: event.model };
      await stream.send(
        chatCompletionChunk({
          identity: ended,
          delta: {},
          finishReason: openAiFinishReason(event.finishReason),
        }),
      );
      if (options.includeUsage) await stream.send(usageChunk({ identity: ended, usage: event.usage }));
      stream.end({ done: true });
    }
  }
}
