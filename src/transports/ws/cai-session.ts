import type { Principal } from '../../auth/authenticator.ts';
import { scopeOf } from '../../auth/authenticator.ts';
import type { Scope } from '../../core/domain.ts';
import { AppError, isAppError } from '../../core/errors.ts';
import { uuidv7 } from '../../core/ids.ts';
import { caiError } from './cai-errors.ts';
import type { CompletionMessage } from './cai-messages.ts';
import { CaiRequest } from './cai-request.ts';
import { ConversationOnFirstTurn } from './conversation-on-first-turn.ts';
import { ResumableOutbox } from './resumable-outbox.ts';
import type { ResumableSession } from './resume-registry.ts';
import type { WsDependencies } from './ws-dependencies.ts';

// What a doc 000 connection carries that outlives its socket: the connection's conversation, the
// outbox of sequenced messages, and the running requests. A client that reconnects with RESUME
// takes it over (cai-connection.ts); with no socket attached the replies keep generating until
// the grace period ends.

export type CaiSessionDependencies = Pick<
  WsDependencies,
  'engine' | 'store' | 'metrics' | 'activeTurns' | 'logger'
>;

export interface CaiSessionOptions {
  id: string;
  principal: Principal;
  dependencies: CaiSessionDependencies;
  /** How long sequenced messages are kept for a resume. */
  retainMs: number;
}

export class CaiSession implements ResumableSession {
  readonly id: string;
  readonly owner: Scope;
  readonly outbox: ResumableOutbox;
  /**
   * The connection's own conversation. Its id is given out in CONNECTED at once; the row is
   * stored by the first COMPLETION that uses it, with its message, so idle connections store nothing.
   */
  readonly conversationId = uuidv7();
  readonly #conversation = new ConversationOnFirstTurn();
  readonly #principal: Principal;
  readonly #dependencies: CaiSessionDependencies;
  // Made on the first COMPLETION: an idle connection keeps no map.
  #requests: Map<string, CaiRequest> | undefined;
  /** The connection whose socket carries this session now; undefined while parked. */
  carrier: object | undefined;
  #startedAny = false;

  constructor(options: CaiSessionOptions) {
    this.id = options.id;
    this.#principal = options.principal;
    this.owner = scopeOf(options.principal);
    this.#dependencies = options.dependencies;
    this.outbox = new ResumableOutbox({ id: options.id, retainMs: options.retainMs });
  }

  /** A request is running (or waiting for AWAIT_MORE). */
  get busy(): boolean {
    return (this.#requests?.size ?? 0) > 0;
  }

  /** Whether a client has used this session yet (a RESUME must come before anything else). */
  get used(): boolean {
    return this.#startedAny;
  }

  has(requestId: string): boolean {
    return this.#requests?.has(requestId) === true;
  }

  request(requestId: string): CaiRequest | undefined {
    return this.#requests?.get(requestId);
  }

  /** COMPLETION; throws INVALID_REQUEST when its requestId is still running. */
  startCompletion(message: CompletionMessage): void {
    const requestId = message.requestId ?? uuidv7();
    if (this.#requests?.has(requestId) === true) {
      throw new AppError('INVALID_REQUEST', {
        message: `Request ${JSON.stringify(requestId)} is still running; use another requestId.`,
      });
    }
    this.#startedAny = true;
    const { engine, store, metrics, activeTurns } = this.#dependencies;
    const request = new CaiRequest({
      requestId,
      pace: message.payload.pace ?? 'stream',
      send: (outgoing) => this.outbox.send(outgoing),
      metrics,
      activeTurns,
      onFinished: () => {
        if (this.#requests?.get(requestId) === request) this.#requests.delete(requestId);
      },
    });
    (this.#requests ??= new Map()).set(requestId, request);
    const { payload } = message;
    void request.run(async (signal) => {
      const conversationId = payload.conversationId ?? this.conversationId;
      const input = {
        scope: this.owner,
        conversationId,
        content: payload.prompt,
        ...(payload.model === undefined || payload.model === 'default' ? {} : { model: payload.model }),
        ...(payload.system === undefined ? {} : { system: payload.system }),
        signal,
      };
      try {
        if (conversationId !== this.conversationId) return await engine.startTurn(input);
        return await this.#conversation.start(async (storeConversation) => {
          if (!storeConversation) return engine.startTurn(input);
          const userId = this.#principal.userId ?? null;
          if (userId !== null) await store.ensureUser(this.#principal.tenantId, userId);
          return engine.startTurn({ ...input, newConversation: { userId, metadata: { protocol: 'cai' } } });
        });
      } catch (error) {
        if (!isAppError(error)) {
          this.#dependencies.logger.error({ err: error, requestId }, 'starting a completion failed');
        } else if (error.code === 'CHAT_NOT_FOUND') {
          throw new AppError('NOT_FOUND', {
            message: `Conversation ${JSON.stringify(conversationId)} not found.`,
          });
        }
        throw error;
      }
    });
  }

  /** INTERRUPTED: the named request, or every running one. */
  interrupt(requestId?: string): void {
    if (requestId !== undefined) {
      this.#requests?.get(requestId)?.interrupt();
      return;
    }
    for (const request of [...(this.#requests?.values() ?? [])]) request.interrupt();
  }

  /** The grace period ran out with no resume: running replies end as interrupted. */
  expire(): void {
    this.interrupt();
  }

  /** An error about a request, in the stream (so a resuming client sees it too). */
  sendError(error: AppError, requestId?: string): void {
    this.outbox.send({ ...caiError(error, requestId) });
  }
}
