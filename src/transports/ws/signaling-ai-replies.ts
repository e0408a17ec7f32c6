import type { Principal } from '../../auth/authenticator.ts';
import type { LiveTurn, TurnEndEvent } from '../../core/conversation-engine.ts';
import type { Scope, Tenant } from '../../core/domain.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import { effectiveLimit } from '../../limits/effective-limit.ts';
import { usageToWire } from '../http/wire-format.ts';
import type { ProtocolSocket } from './protocol-socket.ts';
import { signalingError } from './signaling-frames.ts';
import type { WsDependencies } from './ws-dependencies.ts';

// Doc 002's `message` without `to_peer`: the AI answers in `stream` frames, each with a `delta`,
// then one with `done: true` and the whole `content`. The connection has one conversation, made on
// its first question and stored like any chat (its user is the peer id, so
// `GET /api/v1/chats/user/{peer_id}` finds it); `data.conversation_id` names another one of the
// company instead. Questions are answered one at a time, in order. Each counts against the key's
// LIMIT_AI_REQUESTS_PER_WEEK, like `POST /api/v1/ai/chat`.

/** Questions that may wait behind the running reply; past it the client is told to slow down. */
export const MAX_QUEUED_QUESTIONS = 20;

const TITLE_LENGTH = 80;
const WEEK_SECONDS = 7 * 24 * 60 * 60;

interface Question {
  content: string;
  conversationId: string | undefined;
}

export interface SignalingAiRepliesOptions {
  dependencies: WsDependencies;
  socket: ProtocolSocket;
  principal: Principal;
  peerId: string;
  /** The company's record, for its limit overrides (undefined: the defaults). */
  tenant: Tenant | undefined;
}

export class SignalingAiReplies {
  readonly #options: SignalingAiRepliesOptions;
  readonly #scope: Scope;
  readonly #queue: Question[] = [];
  #conversationId: string | undefined;
  #turn: LiveTurn | undefined;
  #running = false;
  #closed = false;

  constructor(options: SignalingAiRepliesOptions) {
    this.#options = options;
    this.#scope = { tenantId: options.principal.tenantId };
  }

  /** A question is waiting or being answered (the idle timeout and shutdown wait for it). */
  get busy(): boolean {
    return this.#running || this.#queue.length > 0;
  }

  ask(question: Question): void {
    if (this.#closed) return;
    if (this.#queue.length >= MAX_QUEUED_QUESTIONS) {
      this.#send(
        signalingError(
          new AppError('RATE_LIMITED', {
            message: `${MAX_QUEUED_QUESTIONS} messages are already waiting for the AI: wait for its replies before sending more.`,
          }),
        ),
      );
      return;
    }
    this.#queue.push(question);
    void this.#pump();
  }

  /** The socket is gone: the running reply stops and is stored as interrupted. */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    this.#turn?.interrupt();
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let question = this.#queue.shift(); question !== undefined; question = this.#queue.shift()) {
        if (this.#closed) break;
        try {
          await this.#answer(question);
        } catch (error) {
          const appError = toAppError(error);
          if (appError.status >= 500)
            this.#options.dependencies.logger.error({ err: error }, 'signaling AI reply failed');
          this.#send(signalingError(appError));
        }
      }
    } finally {
      this.#running = false;
    }
  }

  async #answer(question: Question): Promise<void> {
    const { engine, activeTurns, metrics } = this.#options.dependencies;
    // Refused before anything is stored or counted: an empty or oversized question, no model.
    engine.checkTurn({ content: question.content });
    await this.#consumeWeeklyQuota();
    const { conversationId, created } = await this.#conversationFor(question);
    const turn = await engine.startTurn({
      scope: this.#scope,
      conversationId,
      content: question.content,
      conversationCreatedForTurn: created,
    });
    if (turn.duplicate) return; // only with a client message id, which signaling has not
    this.#turn = turn;
    activeTurns.track(turn, turn.ended);
    metrics.activeStreams.inc();
    let end: TurnEndEvent | undefined;
    try {
      if (this.#closed) turn.interrupt(); // the client left while the turn was starting
      for await (const event of turn.events) {
        if (event.type === 'text-delta') {
          metrics.streamedTokens.inc();
          this.#send({
            type: 'stream',
            data: { message_id: turn.assistantMessageId, conversation_id: conversationId, delta: event.text },
          });
        } else if (event.type === 'turn-end') end = event;
      }
    } finally {
      metrics.activeStreams.dec();
      this.#turn = undefined;
    }
    end ??= await turn.ended;
    metrics.turns.inc({ finish_reason: end.finishReason });
    this.#send({
      type: 'stream',
      data: {
        message_id: turn.assistantMessageId,
        conversation_id: conversationId,
        done: true,
        content: end.text,
        finish_reason: end.finishReason,
        ...(end.usage === null ? {} : { usage: usageToWire(end.usage) }),
        ...(end.error === undefined ? {} : { error: end.error }),
      },
    });
  }

  async #consumeWeeklyQuota(): Promise<void> {
    const { config, rateLimits } = this.#options.dependencies;
    const { principal, tenant } = this.#options;
    const limit = effectiveLimit(config, tenant, 'LIMIT_AI_REQUESTS_PER_WEEK');
    if (limit === 0) return;
    // Counted under the same name and key as the REST routes, so the quota is one per key.
    const decision = await rateLimits.consume({
      name: 'LIMIT_AI_REQUESTS_PER_WEEK',
      key: principal.keyId ?? `user:${principal.tenantId}:${principal.userId ?? ''}`,
      limit,
      windowSeconds: WEEK_SECONDS,
    });
    if (!decision.allowed) {
      throw new AppError('QUOTA_EXCEEDED', {
        message: `The weekly quota of ${limit} AI requests is used up.`,
        retryAfterMs: decision.retryAfterMs,
      });
    }
  }

  async #conversationFor(question: Question): Promise<{ conversationId: string; created: boolean }> {
    if (question.conversationId !== undefined)
      return { conversationId: question.conversationId, created: false };
    if (this.#conversationId !== undefined) return { conversationId: this.#conversationId, created: false };
    const { store } = this.#options.dependencies;
    const { peerId } = this.#options;
    await store.ensureUser(this.#scope.tenantId, peerId);
    const conversation = await store.createConversation(this.#scope, {
      userId: peerId,
      title: question.content.trim().slice(0, TITLE_LENGTH) || null,
      metadata: { channel: 'webrtc-signaling', peer_id: peerId },
    });
    this.#conversationId = conversation.id;
    return { conversationId: conversation.id, created: true };
  }

  #send(frame: unknown): void {
    if (!this.#closed) this.#options.socket.sendJson(frame);
  }
}
