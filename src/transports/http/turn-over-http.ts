import type { FastifyReply, FastifyRequest } from 'fastify';
import type {
  ConversationEngine,
  StartTurnInput,
  Turn,
  TurnEndEvent,
} from '../../core/conversation-engine.ts';
import { AppError } from '../../core/errors.ts';
import type { Message } from '../../core/domain.ts';
import type { Metrics } from '../../metrics.ts';
import type { ActiveTurns } from '../active-turns.ts';
import { ClientGone } from './client-gone.ts';
import { openEventStream } from './server-sent-events.ts';
import { usageToWire } from './wire-format.ts';

// Runs one conversation turn for a REST request, answered either whole (JSON) or as Server-Sent
// Events. The client going away aborts the model call; the reply is then stored as interrupted.

export interface TurnReply {
  message_id: string;
  conversation_id: string;
  content: string;
  role: 'assistant';
  timestamp: string;
  finish_reason: TurnEndEvent['finishReason'];
  model: string;
  usage: ReturnType<typeof usageToWire> | null;
}

export interface RunTurnOptions {
  request: FastifyRequest;
  reply: FastifyReply;
  engine: ConversationEngine;
  activeTurns: ActiveTurns;
  metrics: Metrics;
  input: Omit<StartTurnInput, 'signal'>;
  stream: boolean;
}

export async function runTurnOverHttp(options: RunTurnOptions): Promise<TurnReply | undefined> {
  const { request, reply, engine } = options;
  const clientGone = new ClientGone(reply.raw);
  const turn = await engine.startTurn({
    ...options.input,
    // A JSON answer waits for the whole reply anyway: the model is asked for it in one piece.
    delivery: options.stream ? 'stream' : 'whole',
    signal: clientGone.signalBeforeStart(),
  });
  if (turn.duplicate) return duplicateReply(turn, turn.reply);
  clientGone.watch(turn);

  let finished!: () => void;
  options.activeTurns.track(turn, new Promise<void>((resolve) => (finished = resolve)));
  options.metrics.activeStreams.inc();
  try {
    if (options.stream) {
      await streamTurn({ turn, reply, metrics: options.metrics, onClientGone: () => clientGone.leave() });
      return undefined;
    }
    const end = await collectTurn(turn, options.metrics);
    if (end.finishReason === 'error') {
      throw new AppError(end.error?.code === 'MODEL_TIMEOUT' ? 'MODEL_TIMEOUT' : 'MODEL_ERROR', {
        message: end.error?.message ?? 'The model failed.',
        details: {
          conversation_id: turn.conversationId,
          message_id: turn.assistantMessageId,
          partial: end.text,
        },
      });
    }
    return replyFrom({ turn, end });
  } finally {
    options.metrics.activeStreams.dec();
    finished();
    request.log.debug({ conversationId: turn.conversationId }, 'turn over');
  }
}

/** Reads a turn to its end (counting its tokens and its finish in the metrics); answers the end event. */
export async function collectTurn(turn: Turn, metrics: Metrics): Promise<TurnEndEvent> {
  let end: TurnEndEvent | undefined;
  for await (const event of turn.events) {
    if (event.type === 'text-delta') metrics.streamedTokens.inc();
    if (event.type === 'turn-end') end = event;
  }
  if (end === undefined)
    throw new AppError('INTERNAL_ERROR', { message: 'The turn ended without an end event.' });
  metrics.turns.inc({ finish_reason: end.finishReason });
  return end;
}

async function streamTurn(options: {
  turn: Extract<Turn, { duplicate: false }>;
  reply: FastifyReply;
  metrics: Metrics;
  onClientGone: () => void;
}): Promise<void> {
  const { turn, metrics } = options;
  const stream = openEventStream(options.reply, options.onClientGone);
  const messageId = turn.assistantMessageId;
  for await (const event of turn.events) {
    switch (event.type) {
      case 'turn-start':
        await stream.send('start', {
          message_id: messageId,
          conversation_id: turn.conversationId,
          user_message_id: event.userMessageId,
          model: event.model,
        });
        break;
      case 'text-delta':
        metrics.streamedTokens.inc();
        await stream.send('delta', { message_id: messageId, content: event.text });
        break;
      case 'sentence':
        await stream.send('sentence', { message_id: messageId, index: event.index, text: event.text });
        break;
      case 'turn-end':
        metrics.turns.inc({ finish_reason: event.finishReason });
        if (event.finishReason === 'error') {
          await stream.send('error', {
            message_id: messageId,
            error: {
              code: event.error?.code ?? 'MODEL_ERROR',
              message: event.error?.message ?? 'The model failed.',
            },
          });
        }
        await stream.send('end', replyFrom({ turn, end: event }));
        break;
    }
  }
  stream.end();
}

function replyFrom(options: { turn: Extract<Turn, { duplicate: false }>; end: TurnEndEvent }): TurnReply {
  const { turn, end } = options;
  return {
    message_id: turn.assistantMessageId,
    conversation_id: turn.conversationId,
    content: end.text,
    role: 'assistant',
    timestamp: new Date().toISOString(),
    finish_reason: end.finishReason,
    model: end.model,
    usage: end.usage === null ? null : usageToWire(end.usage),
  };
}

/** A resend of a client_message_id: answer what was stored the first time, call no model. */
function duplicateReply(turn: Turn, stored: Message | undefined): TurnReply {
  if (stored === undefined) {
    throw new AppError('CONFLICT', {
      message: 'This client_message_id is already being answered.',
      details: {
        conversation_id: turn.conversationId,
        hint: 'Read the chat messages once the first request ends.',
      },
    });
  }
  return {
    message_id: stored.id,
    conversation_id: stored.conversationId,
    content: stored.content,
    role: 'assistant',
    timestamp: stored.updatedAt,
    finish_reason:
      stored.status === 'complete' ? 'stop' : stored.status === 'interrupted' ? 'interrupted' : 'error',
    model: stored.model ?? '',
    usage: stored.usage === null ? null : usageToWire(stored.usage),
  };
}
