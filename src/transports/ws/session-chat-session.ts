import type { Scope } from '../../core/domain.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import type { TurnEndEvent } from '../../core/turn.ts';
import type { LiveTurn } from '../../core/conversation-engine.ts';
import type { ProtocolSocket } from './protocol-socket.ts';
import type { ProtocolSession } from './ws-protocol.ts';
import type { WsDependencies } from './ws-dependencies.ts';
import { BINARY_FRAME_ERROR, parseSessionChatFrame, sessionChatError } from './session-chat-frames.ts';
import type { SessionChatRequest } from './session-chat-frames.ts';

// One doc 003 connection: a session (conversation) of the JWT's user, created on connect or named
// by `?session_id=`. Each `{"message"}` is answered by one `{"message","session_id"}` holding the
// whole reply (doc 003 does not stream). Messages sent while a reply runs wait their turn, in
// order. A client that leaves mid-reply interrupts it; the reply is stored as interrupted.

/** Messages that may wait behind the running reply; past it the client is told to slow down. */
export const MAX_QUEUED_MESSAGES = 20;

export interface SessionChatSessionOptions {
  dependencies: WsDependencies;
  socket: ProtocolSocket;
  scope: Required<Scope>;
  /** `?session_id=` of the upgrade request: continue that session instead of creating one. */
  requestedSessionId: string | undefined;
}

export class SessionChatSession implements ProtocolSession {
  readonly #dependencies: WsDependencies;
  readonly #socket: ProtocolSocket;
  readonly #scope: Required<Scope>;
  readonly #queue: SessionChatRequest[] = [];
  #sessionId: string | undefined;
  #turn: LiveTurn | undefined;
  #running = false;
  /** A message is being answered (from startTurn to its reply going out). */
  #answering = false;
  #closed = false;
  /** Settles when the session is known (created or found) or the connection was refused. */
  readonly ready: Promise<void>;

  constructor(options: SessionChatSessionOptions) {
    this.#dependencies = options.dependencies;
    this.#socket = options.socket;
    this.#scope = options.scope;
    this.ready = this.#start(options.requestedSessionId);
  }

  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  get busy(): boolean {
    return this.#answering || this.#queue.length > 0;
  }

  onText(text: string): void {
    if (this.#closed) return;
    let request: SessionChatRequest;
    try {
      request = parseSessionChatFrame(text);
    } catch (error) {
      this.#sendError(toAppError(error));
      return;
    }
    if (this.#queue.length >= MAX_QUEUED_MESSAGES) {
      this.#sendError(
        new AppError('RATE_LIMITED', {
          message: `${MAX_QUEUED_MESSAGES} messages are already waiting for a reply: wait for the replies before sending more.`,
        }),
      );
      return;
    }
    this.#queue.push(request);
    void this.#pump();
  }

  onBinary(_data?: Buffer): void {
    if (!this.#closed) this.#sendError(BINARY_FRAME_ERROR());
  }

  onRefused(error: AppError): void {
    if (!this.#closed) this.#sendError(error);
  }

  onClose(_code?: number): void {
    this.#closed = true;
    this.#queue.length = 0;
    // No resume in doc 003: the reply stops here and is stored as interrupted.
    this.#turn?.interrupt();
  }

  async #start(requestedSessionId: string | undefined): Promise<void> {
    const { store } = this.#dependencies;
    try {
      if (requestedSessionId !== undefined) {
        const conversation = await store.getConversation(this.#scope, requestedSessionId);
        if (conversation === undefined) {
          // Unknown and another user's session look the same (no enumeration).
          this.#refuse(
            new AppError('CHAT_NOT_FOUND', {
              message:
                'No session with this session_id for this user: connect without session_id to start one.',
            }),
            requestedSessionId,
          );
          return;
        }
        this.#sessionId = conversation.id;
      } else {
        await store.ensureUser(this.#scope.tenantId, this.#scope.userId);
        const conversation = await store.createConversation(this.#scope, { userId: this.#scope.userId });
        this.#sessionId = conversation.id;
        this.#socket.sendJson({ session_id: conversation.id });
      }
    } catch (error) {
      this.#dependencies.logger.error({ err: error }, 'session-chat: opening the session failed');
      this.#refuse(new AppError('INTERNAL_ERROR'), requestedSessionId);
      return;
    }
    void this.#pump();
  }

  #refuse(error: AppError, sessionId: string | undefined): void {
    this.#closed = true;
    this.#queue.length = 0;
    this.#socket.sendJson(sessionChatError(error, sessionId));
    this.#socket.close(error.code === 'INTERNAL_ERROR' ? 1011 : 1008, error.code);
  }

  /** Answers queued messages one at a time, in order. */
  async #pump(): Promise<void> {
    if (this.#running || this.#sessionId === undefined) return;
    this.#running = true;
    try {
      for (let request = this.#queue.shift(); request !== undefined; request = this.#queue.shift()) {
        if (this.#closed) break;
        this.#answering = true;
        try {
          await this.#answer(request, this.#sessionId);
        } finally {
          this.#answering = false;
        }
      }
    } finally {
      this.#running = false;
    }
  }

  async #answer(request: SessionChatRequest, sessionId: string): Promise<void> {
    if (request.sessionId !== undefined && request.sessionId !== sessionId) {
      this.#sendError(
        new AppError('VALIDATION_FAILED', {
          message: `This connection is session ${sessionId}; to talk in session ${request.sessionId}, connect to /chat/?session_id=${request.sessionId}.`,
        }),
      );
      return;
    }
    const { engine, metrics, activeTurns } = this.#dependencies;
    let turn;
    try {
      turn = await engine.startTurn({
        scope: this.#scope,
        conversationId: sessionId,
        content: request.message,
        // Doc 003 answers with the whole reply in one message.
        delivery: 'whole',
      });
    } catch (error) {
      this.#sendError(toAppError(error));
      return;
    }
    if (turn.duplicate) return; // only with a client message id, which doc 003 has not
    this.#turn = turn;
    activeTurns.track(turn, turn.ended);
    metrics.activeStreams.inc();
    let end: TurnEndEvent | undefined;
    try {
      if (this.#closed) turn.interrupt(); // the client left while the turn was starting
      for await (const event of turn.events) {
        if (event.type === 'text-delta') metrics.streamedTokens.inc();
        else if (event.type === 'turn-end') end = event;
      }
    } finally {
      metrics.activeStreams.dec();
      this.#turn = undefined;
    }
    end ??= await turn.ended;
    metrics.turns.inc({ finish_reason: end.finishReason });
    this.#answering = this.#queue.length > 0;
    this.#sendReply(end, sessionId);
  }

  #sendReply(end: TurnEndEvent, sessionId: string): void {
    if (end.finishReason === 'error') {
      this.#socket.sendJson({
        error: { code: end.error?.code ?? 'MODEL_ERROR', message: end.error?.message ?? 'The model failed.' },
        session_id: sessionId,
      });
      return;
    }
    this.#socket.sendJson({
      message: end.text,
      session_id: sessionId,
      // Only at shutdown with the socket still open: the part produced before the drain deadline.
      ...(end.finishReason === 'interrupted' ? { interrupted: true } : {}),
    });
  }

  #sendError(error: AppError): void {
    this.#socket.sendJson(sessionChatError(error, this.#sessionId));
  }
}
