import type { Message, Scope } from '../../core/domain.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import type { DuplicateTurn, LiveTurn, TurnEndEvent } from '../../core/conversation-engine.ts';
import { usageToWire } from '../http/wire-format.ts';
import type { ProtocolSocket } from './protocol-socket.ts';
import { chatStreamError } from './chat-stream-frames.ts';
import type { AttachResult } from './resumable-outbox.ts';
import { ResumableOutbox } from './resumable-outbox.ts';
import type { ResumableSession } from './resume-registry.ts';
import type { WsDependencies } from './ws-dependencies.ts';

// The resumable part of a doc 004 connection: its chat, its queue of messages, the reply being
// streamed, and the outbox that stamps every streamed message with a `seq`. It outlives its socket
// for the resume grace period; a new connection that resumes it takes it over.

/** Messages that may wait behind the running reply; past it the client is told to slow down. */
export const MAX_QUEUED_MESSAGES = 20;

export interface ChatStreamSessionOptions {
  dependencies: WsDependencies;
  id: string;
  /** The connection's user within its tenant: the chat, its messages and who may resume. */
  owner: Required<Scope>;
  chatId: string;
}

interface QueuedMessage {
  content: string;
  clientMessageId: string | undefined;
}

export class ChatStreamSession implements ResumableSession {
  readonly id: string;
  readonly owner: Required<Scope>;
  readonly chatId: string;
  readonly #dependencies: WsDependencies;
  readonly #outbox: ResumableOutbox;
  readonly #queue: QueuedMessage[] = [];
  #socket: ProtocolSocket | undefined;
  #turn: LiveTurn | undefined;
  #running = false;
  /** A message is being answered (from startTurn to its last event going out). */
  #answering = false;
  #expired = false;

  constructor(options: ChatStreamSessionOptions) {
    const { config } = options.dependencies;
    this.id = options.id;
    this.owner = options.owner;
    this.chatId = options.chatId;
    this.#dependencies = options.dependencies;
    // Kept past the grace period by two heartbeats: a dead peer is only noticed that late.
    this.#outbox = new ResumableOutbox({
      id: options.id,
      retainMs: config.RESUME_GRACE_MS + 2 * config.WS_HEARTBEAT_MS,
    });
  }

  get socket(): ProtocolSocket | undefined {
    return this.#socket;
  }

  get busy(): boolean {
    return this.#answering || this.#queue.length > 0;
  }

  /** Nothing was ever streamed or asked on it: a fresh connection may give it up for a resume. */
  get pristine(): boolean {
    return this.#outbox.lastSeq === 0 && !this.busy;
  }

  /** The first socket of a new connection. */
  attach(socket: ProtocolSocket): void {
    this.#socket = socket;
    this.#outbox.attach(socket);
  }

  /**
   * A new connection resumes this session: `resumed` first, then every kept message after
   * `lastSeq` exactly once, then the rest live. A socket still attached (half-open) is closed.
   */
  resumeOn(socket: ProtocolSocket, lastSeq: number): AttachResult {
    const replay = new CollectingSocket();
    const result = this.#outbox.attach(replay, lastSeq);
    if (!result.resumed) return result;
    const previous = this.#socket;
    this.#socket = socket;
    socket.sendJson({ type: 'resumed', connection_id: this.id, replayed: result.replayed });
    for (const message of replay.sent) socket.sendJson(message);
    this.#outbox.attach(socket); // from the last seq: nothing more to replay
    if (previous !== undefined && previous !== socket && previous.isOpen) {
      previous.close(1000, 'resumed on another connection');
    }
    return result;
  }

  /** Its socket is gone; replies keep generating into the outbox. */
  detach(socket: ProtocolSocket): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.#outbox.detach();
  }

  enqueue(message: QueuedMessage): void {
    if (this.#expired) return;
    if (this.#queue.length >= MAX_QUEUED_MESSAGES) {
      this.#socket?.sendJson(
        chatStreamError(
          new AppError('RATE_LIMITED', {
            message: `${MAX_QUEUED_MESSAGES} messages are already waiting for a reply.`,
            details: { hint: 'Wait for message_stream_ended before sending more.' },
          }),
          message.clientMessageId === undefined ? {} : { client_message_id: message.clientMessageId },
        ),
      );
      return;
    }
    this.#queue.push(message);
    void this.#pump();
  }

  /** `{"type":"stop"}`: interrupts the reply being streamed; queued messages are still answered. */
  stop(): void {
    this.#turn?.interrupt();
  }

  /** The grace period ran out with no resume (or the session was given up). */
  expire(): void {
    this.#expired = true;
    this.#queue.length = 0;
    this.#turn?.interrupt();
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        if (this.#expired) break;
        this.#answering = true;
        try {
          await this.#answer(next);
        } finally {
          this.#answering = false;
        }
      }
    } finally {
      this.#running = false;
    }
  }

  async #answer(message: QueuedMessage): Promise<void> {
    const { engine } = this.#dependencies;
    const context =
      message.clientMessageId === undefined ? {} : { client_message_id: message.clientMessageId };
    let turn;
    try {
      turn = await engine.startTurn({
        scope: this.owner,
        conversationId: this.chatId,
        content: message.content,
        ...(message.clientMessageId === undefined ? {} : { clientMessageId: message.clientMessageId }),
      });
    } catch (error) {
      this.#outbox.send({ ...chatStreamError(toAppError(error), context) });
      return;
    }
    if (turn.duplicate) this.#answerDuplicate(turn);
    else await this.#stream(turn);
  }

  async #stream(turn: LiveTurn): Promise<void> {
    const { metrics, activeTurns } = this.#dependencies;
    const messageId = turn.assistantMessageId;
    this.#turn = turn;
    activeTurns.track(turn, turn.ended);
    metrics.activeStreams.inc();
    try {
      if (this.#expired) turn.interrupt();
      for await (const event of turn.events) {
        switch (event.type) {
          case 'turn-start':
            this.#outbox.send(receivedMessage(turn.userMessage));
            this.#outbox.send({
              type: 'message_stream_started',
              message_id: messageId,
              chat_id: this.chatId,
              model: event.model,
            });
            break;
          case 'text-delta':
            metrics.streamedTokens.inc();
            this.#outbox.send({ type: 'message_stream_token', message_id: messageId, token: event.text });
            break;
          case 'sentence':
            break;
          case 'turn-end':
            metrics.turns.inc({ finish_reason: event.finishReason });
            this.#answering = this.#queue.length > 0;
            this.#sendEnd(messageId, event);
            break;
        }
      }
    } finally {
      metrics.activeStreams.dec();
      this.#turn = undefined;
    }
  }

  #sendEnd(messageId: string, end: TurnEndEvent): void {
    if (end.finishReason === 'error') {
      const code = end.error?.code === 'MODEL_TIMEOUT' ? 'MODEL_TIMEOUT' : 'MODEL_ERROR';
      this.#outbox.send({
        ...chatStreamError(new AppError(code, { message: end.error?.message ?? 'The model failed.' }), {
          message_id: messageId,
        }),
      });
    }
    this.#outbox.send({
      type: 'message_stream_ended',
      message_id: messageId,
      chat_id: this.chatId,
      content: end.text,
      finish_reason: end.finishReason,
      ...(end.usage === null ? {} : { usage: usageToWire(end.usage) }),
    });
  }

  /** A resent client_message_id: what was stored the first time, no model call. */
  #answerDuplicate(turn: DuplicateTurn): void {
    this.#outbox.send({ ...receivedMessage(turn.userMessage), duplicate: true });
    const reply = turn.reply;
    // No reply yet: the first send is still being answered (on another connection); it is stored
    // when it ends and readable through GET /api/v1/chats/{chat_id}/messages.
    if (reply === undefined) return;
    this.#outbox.send({
      type: 'message_stream_ended',
      message_id: reply.id,
      chat_id: this.chatId,
      content: reply.content,
      finish_reason: finishReasonOf(reply),
      ...(reply.usage === null ? {} : { usage: usageToWire(reply.usage) }),
      duplicate: true,
    });
  }
}

function receivedMessage(message: Message): Record<string, unknown> {
  return {
    type: 'message_received',
    message_id: message.id,
    chat_id: message.conversationId,
    content: message.content,
    ...(message.clientMessageId === null ? {} : { client_message_id: message.clientMessageId }),
    created_at: message.createdAt,
  };
}

function finishReasonOf(message: Message): TurnEndEvent['finishReason'] {
  if (message.status === 'complete') return 'stop';
  return message.status === 'interrupted' ? 'interrupted' : 'error';
}

/** Gathers a replay, so `resumed` can go out before the messages it counts. */
class CollectingSocket implements ProtocolSocket {
  readonly sent: unknown[] = [];
  readonly isOpen = true;
  sendJson(message: unknown): void {
    this.sent.push(message);
  }
  close(): void {}
}
