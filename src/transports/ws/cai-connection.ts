import type { Principal } from '../../auth/authenticator.ts';
import { AppError } from '../../core/errors.ts';
import { caiError } from './cai-errors.ts';
import type { CaiClientMessage, ResumeMessage } from './cai-messages.ts';
import { parseCaiFrame } from './cai-messages.ts';
import type { CaiSessionDependencies } from './cai-session.ts';
import { CaiSession } from './cai-session.ts';
import type { ProtocolSocket } from './protocol-socket.ts';
import type { ResumeRegistry } from './resume-registry.ts';
import type { ProtocolSession } from './ws-protocol.ts';

// One doc 000 socket. It carries a session (cai-session.ts): its own fresh one, or, after RESUME,
// one a previous socket left behind. Replies to a frame (validation errors, unknown requestIds,
// PONG, RESUMED) go to this socket only, without `seq`; what belongs to a request's stream goes
// through the session's outbox, with `seq`.

export interface CaiConnectionOptions {
  socket: ProtocolSocket;
  principal: Principal;
  connectionId: string;
  registry: ResumeRegistry<CaiSession>;
  dependencies: CaiSessionDependencies;
  /** How long sequenced messages are kept for a resume. */
  retainMs: number;
}

export class CaiConnection implements ProtocolSession {
  readonly #socket: ProtocolSocket;
  readonly #registry: ResumeRegistry<CaiSession>;
  #session: CaiSession;

  constructor(options: CaiConnectionOptions) {
    this.#socket = options.socket;
    this.#registry = options.registry;
    this.#session = new CaiSession({
      id: options.connectionId,
      principal: options.principal,
      dependencies: options.dependencies,
      retainMs: options.retainMs,
    });
    this.#session.carrier = this;
    this.#registry.register(this.#session);
    this.#session.outbox.attach(this.#socket);
    this.#socket.sendJson({
      type: 'CONNECTED',
      connectionId: this.#session.id,
      conversationId: this.#session.conversationId,
    });
  }

  get busy(): boolean {
    return this.#carries && this.#session.busy;
  }

  get #carries(): boolean {
    return this.#session.carrier === this;
  }

  onText(text: string): void {
    if (!this.#carries) return; // its session was resumed on another socket
    const parsed = parseCaiFrame(text);
    if (!parsed.ok) {
      this.#reply(caiError(parsed.error, parsed.requestId));
      return;
    }
    try {
      this.#dispatch(parsed.message);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const requestId = 'requestId' in parsed.message ? parsed.message.requestId : undefined;
      this.#reply(caiError(error, requestId));
    }
  }

  onBinary(_data: Buffer): void {
    this.#reply(
      caiError(
        new AppError('INVALID_REQUEST', {
          message: 'Binary frames are not accepted; send JSON text frames.',
        }),
      ),
    );
  }

  onRefused(error: AppError): void {
    this.#reply(withRetryAfter(caiError(error)));
  }

  onClose(_code: number): void {
    if (!this.#carries) return;
    const session = this.#session;
    session.carrier = undefined;
    session.outbox.detach();
    // Kept for the grace period whatever it was doing: a client may still want what it missed.
    this.#registry.park(session);
  }

  #dispatch(message: CaiClientMessage): void {
    const session = this.#session;
    switch (message.type) {
      case 'COMPLETION':
        session.startCompletion(message);
        return;
      case 'INTERRUPTED':
        if (message.requestId !== undefined) this.#running(message.requestId);
        session.interrupt(message.requestId);
        return;
      case 'SENTENCE_COMPLETED':
        this.#running(message.requestId).acknowledgeSentence(message.index);
        return;
      case 'AWAIT_MORE':
        this.#running(message.requestId).awaitMore();
        return;
      case 'RESUME':
        this.#resume(message);
        return;
      case 'PING':
        this.#reply({ type: 'PONG' });
        return;
    }
  }

  #running(requestId: string) {
    const request = this.#session.request(requestId);
    if (request === undefined) {
      throw new AppError('INVALID_REQUEST', {
        message: `No running request has requestId ${JSON.stringify(requestId)}.`,
      });
    }
    return request;
  }

  /** Takes over the session `connectionId` left behind: RESUMED, the missed messages, then live. */
  #resume(message: ResumeMessage): void {
    const fresh = this.#session;
    if (fresh.used) throw resumeFailed('RESUME must be the first message on a new connection.');
    if (message.connectionId === fresh.id)
      throw resumeFailed('This connection already carries that session.');
    const session = this.#registry.claim(message.connectionId, fresh.owner);
    if (session === undefined) {
      throw resumeFailed('No resumable session has that connectionId (unknown, expired or not yours).');
    }
    // Replayed into a buffer first, so RESUMED (which counts them) goes out before them.
    const buffer = new BufferSocket();
    const attached = session.outbox.attach(buffer, message.lastSeq);
    if (!attached.resumed) {
      this.#registry.register(session);
      if (session.carrier === undefined) this.#registry.park(session);
      throw resumeFailed(
        `Messages after seq ${message.lastSeq} are no longer kept (the oldest kept is ${attached.oldestSeq}).`,
      );
    }
    const previous = session.carrier as CaiConnection | undefined;
    session.carrier = this;
    session.outbox.attach(this.#socket, session.outbox.lastSeq);
    this.#reply({
      type: 'RESUMED',
      connectionId: session.id,
      conversationId: session.conversationId,
      replayed: buffer.sent.length,
    });
    for (const replayed of buffer.sent) this.#socket.sendJson(replayed);

    this.#registry.remove(fresh);
    fresh.carrier = undefined;
    fresh.outbox.detach();
    this.#session = session;
    this.#registry.register(session);
    // A half-open socket that still held the session: it is this client's past, close it.
    if (previous !== undefined) previous.#socket.close(1000, 'Resumed on another connection.');
  }

  #reply(message: object): void {
    this.#socket.sendJson(message);
  }
}

function resumeFailed(reason: string): AppError {
  return new AppError('RESUME_FAILED', {
    message: `${reason} Start afresh and reload the conversation over REST (GET /api/v1/chats/{conversationId}/messages).`,
  });
}

/** RATE_LIMITED always tells the client when to retry. */
function withRetryAfter<Message extends { code: string; retryAfterMs?: number }>(message: Message): Message {
  if (message.code !== 'RATE_LIMITED' || message.retryAfterMs !== undefined) return message;
  return { ...message, retryAfterMs: 1000 };
}

/** Collects what an outbox replays, to be sent after RESUMED. */
class BufferSocket implements ProtocolSocket {
  readonly sent: unknown[] = [];
  readonly isOpen = true;
  sendJson(message: unknown): void {
    this.sent.push(message);
  }
  close(): void {}
}
