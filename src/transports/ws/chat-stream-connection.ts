import type { Scope } from '../../core/domain.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import type { ProtocolSocket } from './protocol-socket.ts';
import { binaryFrameError, chatStreamError, parseChatStreamFrame } from './chat-stream-frames.ts';
import type { ChatStreamClientFrame } from './chat-stream-frames.ts';
import { ChatStreamSession } from './chat-stream-session.ts';
import type { ResumeRegistry } from './resume-registry.ts';
import type { ProtocolSession } from './ws-protocol.ts';
import type { WsDependencies } from './ws-dependencies.ts';

// One doc 004 socket. On open it finds (or creates) the chat, greets with connection_established
// (and user_created for a new user), then hands frames to its ChatStreamSession. A `resume` as the
// first message swaps that fresh session for the lost connection's one.

export interface ChatStreamConnectionOptions {
  dependencies: WsDependencies;
  registry: ResumeRegistry<ChatStreamSession>;
  socket: ProtocolSocket;
  connectionId: string;
  owner: Required<Scope>;
  /** `?chat_id=`; absent: a new chat is created for the user. */
  chatId: string | undefined;
}

export class ChatStreamConnection implements ProtocolSession {
  readonly #options: ChatStreamConnectionOptions;
  readonly #socket: ProtocolSocket;
  #session: ChatStreamSession | undefined;
  #closed = false;
  /** Settles once greeted (or refused); frames received before wait for it, in order. */
  readonly ready: Promise<void>;

  constructor(options: ChatStreamConnectionOptions) {
    this.#options = options;
    this.#socket = options.socket;
    this.ready = this.#start();
  }

  get session(): ChatStreamSession | undefined {
    return this.#session;
  }

  get busy(): boolean {
    return this.#session?.busy ?? false;
  }

  onText(text: string): void {
    void this.ready.then(() => this.#handle(text));
  }

  onBinary(_data?: Buffer): void {
    void this.ready.then(() => this.#sendUnsequenced(chatStreamError(binaryFrameError())));
  }

  onRefused(error: AppError): void {
    void this.ready.then(() => this.#sendUnsequenced(chatStreamError(error)));
  }

  onClose(_code?: number): void {
    this.#closed = true;
    const session = this.#session;
    // A session resumed elsewhere is no longer this socket's to park.
    if (session === undefined || session.socket !== this.#socket) return;
    session.detach(this.#socket);
    this.#options.registry.park(session);
  }

  async #start(): Promise<void> {
    const { store, logger } = this.#options.dependencies;
    const { owner, socket } = this.#options;
    try {
      let chatId = this.#options.chatId;
      if (chatId !== undefined && (await store.getConversation(owner, chatId)) === undefined) {
        this.#refuse(new AppError('CHAT_NOT_FOUND', { message: `Chat ${chatId} not found.` }), {
          chat_id: chatId,
        });
        return;
      }
      const { created } = await store.ensureUser(owner.tenantId, owner.userId);
      chatId ??= (await store.createConversation(owner, { userId: owner.userId })).id;
      if (this.#closed) return;
      const session = new ChatStreamSession({
        dependencies: this.#options.dependencies,
        id: this.#options.connectionId,
        owner,
        chatId,
      });
      this.#session = session;
      this.#options.registry.register(session);
      session.attach(socket);
      socket.sendJson({
        type: 'connection_established',
        connection_id: session.id,
        chat_id: chatId,
        user_id: owner.userId,
      });
      if (created) socket.sendJson({ type: 'user_created', user_id: owner.userId });
    } catch (error) {
      logger.error({ err: error }, 'chat-stream: opening the connection failed');
      this.#refuse(new AppError('INTERNAL_ERROR'));
    }
  }

  #refuse(error: AppError, context: Record<string, unknown> = {}): void {
    this.#closed = true;
    this.#socket.sendJson(chatStreamError(error, context));
    this.#socket.close(error.code === 'INTERNAL_ERROR' ? 1011 : 1008, error.code);
  }

  #handle(text: string): void {
    const session = this.#session;
    if (this.#closed || session === undefined) return;
    let frame: ChatStreamClientFrame;
    try {
      frame = parseChatStreamFrame(text);
    } catch (error) {
      this.#sendUnsequenced(chatStreamError(toAppError(error)));
      return;
    }
    switch (frame.type) {
      case 'message':
        session.enqueue({ content: frame.content, clientMessageId: frame.clientMessageId });
        break;
      case 'stop':
        session.stop();
        break;
      case 'ping':
        this.#sendUnsequenced({ type: 'pong' });
        break;
      case 'resume':
        this.#resume(session, frame);
        break;
    }
  }

  #resume(fresh: ChatStreamSession, frame: { connectionId: string; lastSeq: number }): void {
    const { registry } = this.#options;
    const failed = (message: string, context: Record<string, unknown> = {}) =>
      this.#sendUnsequenced(
        chatStreamError(new AppError('RESUME_FAILED', { message }), {
          connection_id: frame.connectionId,
          ...context,
        }),
      );
    if (frame.connectionId === fresh.id) return failed('This is the connection itself.');
    if (!fresh.pristine) {
      return failed('A resume must be the first message of a new connection; this one is already in use.');
    }
    const lost = registry.claim(frame.connectionId, fresh.owner);
    if (lost === undefined) return failed('Unknown or expired connection_id.');
    const result = lost.resumeOn(this.#socket, frame.lastSeq);
    registry.register(lost);
    if (!result.resumed) {
      // Still resumable from a later seq; its grace period starts again if no socket carries it.
      if (lost.socket === undefined || !lost.socket.isOpen) registry.park(lost);
      return failed(`Messages after seq ${frame.lastSeq} are no longer kept.`, {
        oldest_seq: result.oldestSeq,
      });
    }
    registry.remove(fresh);
    fresh.expire();
    this.#session = lost;
  }

  #sendUnsequenced(message: unknown): void {
    if (!this.#closed) this.#socket.sendJson(message);
  }
}
