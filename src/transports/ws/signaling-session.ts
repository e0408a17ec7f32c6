import type { Principal } from '../../auth/authenticator.ts';
import type { Tenant } from '../../core/domain.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import { effectiveLimit } from '../../limits/effective-limit.ts';
import type { Release } from '../../limits/connection-counter.ts';
import type { RelayedFrame } from '../../signaling/signaling-envelope.ts';
import type { PeerEndpoint, PeerMembership, SignalingHub } from '../../signaling/signaling-hub.ts';
import type { ProtocolSocket } from './protocol-socket.ts';
import { SignalingAiReplies } from './signaling-ai-replies.ts';
import {
  parseSignalingFrame,
  SIGNALING_CLOSE,
  SIGNALING_ERROR,
  signalingError,
  type SignalingClientFrame,
} from './signaling-frames.ts';
import type { WsDependencies } from './ws-dependencies.ts';
import type { ProtocolSession } from './ws-protocol.ts';

// One signaling connection (doc 002): first the company's connection cap (4002 over it), then the
// peer joins the hub and is told `connected` with the ICE servers. Then, in the order they came:
// `signal` and `message` with `to_peer` are relayed within the company (4004 when the target is
// not connected anywhere), `message` without is answered by the AI, `ping` gets `pong`.

export interface SignalingSessionOptions {
  dependencies: WsDependencies;
  socket: ProtocolSocket;
  principal: Principal;
  peerId: string;
  connectionId: string;
  hub: SignalingHub;
  /** Counts `company:{id}` across processes (SharedConnectionCounter over the bus). */
  counter: { acquire(key: string, max: number): Promise<Release | undefined> };
}

export class SignalingSession implements ProtocolSession, PeerEndpoint {
  readonly #options: SignalingSessionOptions;
  readonly #socket: ProtocolSocket;
  /**
   * Settles once the peer has joined (true) or the connection was refused (false). Never rejects;
   * whatever it took is given back when the socket closes.
   */
  readonly ready: Promise<boolean>;
  #membership: PeerMembership | undefined;
  #release: Release | undefined;
  #tenant: Tenant | undefined;
  // Made by the first question for the AI: most signaling connections never ask one.
  #ai: SignalingAiReplies | undefined;
  #closed = false;
  // Frames are handled one after another, so an offer and its candidates reach the peer in order.
  #chain: Promise<void>;

  constructor(options: SignalingSessionOptions) {
    this.#options = options;
    this.#socket = options.socket;
    this.ready = this.#open();
    this.#chain = this.ready.then(() => undefined);
  }

  get busy(): boolean {
    return this.#ai?.busy === true;
  }

  onText(text: string): void {
    if (this.#closed) return;
    this.#enqueue(() => this.#handle(text));
  }

  onBinary(_data?: Buffer): void {
    if (this.#closed) return;
    this.#queueError(
      new AppError('INVALID_REQUEST', { message: 'Binary frames are not accepted: send JSON text frames.' }),
    );
  }

  onRefused(error: AppError): void {
    if (this.#closed) return;
    this.#queueError(error);
  }

  onClose(_code?: number): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ai?.close();
    void this.ready
      .then(() => this.#leave())
      .catch((error: unknown) => {
        this.#options.dependencies.logger.error({ err: error }, 'a signaling peer could not leave cleanly');
      });
  }

  /** From the hub: a frame another peer of the company sent to this one. */
  deliver(frame: RelayedFrame): void {
    if (!this.#closed) this.#socket.sendJson(frame);
  }

  /** From the hub: a newer connection took this peer id. */
  replaced(): void {
    if (this.#closed) return;
    this.#socket.sendJson(
      signalingError(
        new AppError('CONFLICT', {
          message: 'Another connection with this peer_id has taken over; this one is closed.',
        }),
        { code: SIGNALING_ERROR.REPLACED },
      ),
    );
    this.#socket.close(SIGNALING_CLOSE.REPLACED, 'replaced by a newer connection');
  }

  async #open(): Promise<boolean> {
    const { dependencies, principal, peerId } = this.#options;
    const { store, config, logger } = dependencies;
    try {
      const tenant = await store.getTenant(principal.tenantId).catch((error: unknown) => {
        logger.warn({ err: error }, 'tenant lookup for the signaling cap failed; using the defaults');
        return undefined;
      });
      const max = effectiveLimit(config, tenant, 'LIMIT_SIGNALING_PER_COMPANY');
      const release = await this.#options.counter.acquire(`company:${principal.tenantId}`, max);
      if (release === undefined) {
        this.#refuse(
          new AppError('RATE_LIMITED', {
            message: `This company already has ${max} signaling connections open; close one and retry.`,
          }),
          SIGNALING_CLOSE.CONNECTION_LIMIT,
        );
        return false;
      }
      this.#release = release;
      this.#tenant = tenant;
      if (this.#closed) return true; // #leave gives the lease back
      this.#membership = await this.#options.hub.join({
        companyId: principal.tenantId,
        peerId,
        endpoint: this,
      });
      if (!this.#closed) {
        this.#socket.sendJson({
          type: 'connected',
          peer_id: peerId,
          company_id: principal.tenantId,
          connection_id: this.#options.connectionId,
          ice_servers: config.ICE_SERVERS,
        });
      }
      return true;
    } catch (error) {
      logger.error({ err: error }, 'opening a signaling connection failed');
      this.#refuse(new AppError('INTERNAL_ERROR'), SIGNALING_CLOSE.INTERNAL);
      return false;
    }
  }

  async #leave(): Promise<void> {
    await this.#membership?.leave();
    this.#release?.();
  }

  #refuse(error: AppError, closeCode: number): void {
    this.#socket.sendJson(signalingError(error, { code: closeCode }));
    this.#socket.close(closeCode, error.code);
  }

  #queueError(error: AppError): void {
    this.#enqueue(() => this.#send(signalingError(error)));
  }

  /** Runs after the frames before it; a failure closes with 1011 rather than stalling the queue. */
  #enqueue(step: () => void | Promise<void>): void {
    this.#chain = this.#chain.then(step).catch((error: unknown) => {
      this.#options.dependencies.logger.error({ err: error }, 'a signaling frame could not be handled');
      this.#socket.close(SIGNALING_CLOSE.INTERNAL, 'internal error');
    });
  }

  async #handle(text: string): Promise<void> {
    const membership = this.#membership;
    if (this.#closed || membership === undefined) return;
    let frame: SignalingClientFrame;
    try {
      frame = parseSignalingFrame(text);
    } catch (error) {
      this.#send(signalingError(toAppError(error)));
      return;
    }
    membership.recordActivity();
    switch (frame.type) {
      case 'ping':
        this.#send({ type: 'pong' });
        return;
      case 'signal':
        await this.#relay(membership, frame.to_peer, { type: 'signal', data: frame.data });
        return;
      case 'message':
        if (frame.to_peer !== undefined) {
          await this.#relay(membership, frame.to_peer, { type: 'message', data: frame.data });
          return;
        }
        this.#ai ??= new SignalingAiReplies({
          dependencies: this.#options.dependencies,
          socket: this.#socket,
          principal: this.#options.principal,
          peerId: this.#options.peerId,
          tenant: this.#tenant,
        });
        this.#ai.ask({ content: frame.data.content, conversationId: frame.data.conversation_id });
        return;
    }
  }

  async #relay(
    membership: PeerMembership,
    toPeer: string,
    frame: Omit<RelayedFrame, 'from_peer'>,
  ): Promise<void> {
    let outcome;
    try {
      outcome = await membership.send(toPeer, frame);
    } catch (error) {
      this.#options.dependencies.logger.warn({ err: error }, 'a signaling relay could not be delivered');
      this.#send(signalingError(toAppError(error), { to_peer: toPeer }));
      return;
    }
    if (outcome === 'absent') {
      this.#send(
        signalingError(
          new AppError('NOT_FOUND', {
            message: `Target peer not found: no peer "${toPeer}" is connected in this company.`,
          }),
          { to_peer: toPeer },
        ),
      );
    }
  }

  #send(frame: unknown): void {
    if (!this.#closed) this.#socket.sendJson(frame);
  }
}
