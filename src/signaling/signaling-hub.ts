import type { Logger } from 'pino';
import type { Bus, JsonValue, Unsubscribe } from '../bus/bus.ts';
import { peerChannel } from '../bus/channels.ts';
import { lastingSubscription } from '../bus/lasting-subscription.ts';
import { uuidv7 } from '../core/ids.ts';
import { parseEnvelope, type Envelope, type RelayedFrame } from './signaling-envelope.ts';
import {
  ALL_PEERS_GROUP,
  allPeersMember,
  companyGroup,
  findPeer,
  type CompanyEntry,
  type PeerDetails,
} from './signaling-presence.ts';

// The signaling peers of this process and the way to reach any peer of a company, wherever it is
// connected (DESIGN.md "Modes"). Transport-free: a WebSocket session joins as a PeerEndpoint.
//
// - A peer is recorded in the bus's presence, so every process lists it and finds it; a process
//   that dies stops refreshing it, and it lapses within the bus time-to-live.
// - A relay to a peer of this process is handed over directly (so it works through a Redis
//   outage too); to a peer elsewhere it is published on that peer's channel, addressed to the
//   membership presence names, and the process holding it delivers it.
// - A second connection with the same peer id replaces the first, here or in another process:
//   it announces itself on the peer's channel, and every older membership closes (ids are
//   UUIDv7, so "older" is the same answer everywhere).

export interface PeerAddress {
  companyId: string;
  peerId: string;
}

/** What the hub needs of a connected peer (the transport's session). */
export interface PeerEndpoint {
  /** A signal or message from another peer of the company. */
  deliver(frame: RelayedFrame): void;
  /** A newer connection took this peer id: close. Called at most once. */
  replaced(): void;
}

export type SendOutcome = 'sent' | 'absent';

export interface SignalingHubOptions {
  bus: Bus;
  logger: Logger;
  /** `last_activity` and `message_count` reach the shared stats at most this often per peer. */
  activityFlushMs?: number;
}

const DEFAULT_ACTIVITY_FLUSH_MS = 5_000;

interface HubParts {
  bus: Bus;
  logger: Logger;
  activityFlushMs: number;
  local: Map<string, PeerMembership>;
}

function localKey(address: PeerAddress): string {
  return `${address.companyId}/${address.peerId}`;
}

export class SignalingHub {
  readonly #parts: HubParts;

  constructor(options: SignalingHubOptions) {
    this.#parts = {
      bus: options.bus,
      logger: options.logger,
      activityFlushMs: options.activityFlushMs ?? DEFAULT_ACTIVITY_FLUSH_MS,
      local: new Map(),
    };
  }

  /** Peers connected to this process. */
  get localPeerCount(): number {
    return this.#parts.local.size;
  }

  /**
   * Records the peer, here and on the bus, and starts receiving what is sent to it. An older
   * connection with the same peer id, here or elsewhere, is told it has been replaced. A Redis
   * outage does not refuse the peer: presence is published and the subscription made once Redis
   * is back (relays from other processes reach it from then on).
   */
  async join(options: PeerAddress & { endpoint: PeerEndpoint }): Promise<PeerMembership> {
    const membership = new PeerMembership({
      address: { companyId: options.companyId, peerId: options.peerId },
      endpoint: options.endpoint,
      parts: this.#parts,
    });
    const key = localKey(membership.address);
    const previous = this.#parts.local.get(key);
    this.#parts.local.set(key, membership);
    // Same process: the newcomer's presence overwrites this process's entry for the peer id.
    previous?.supersede();
    await membership.start();
    return membership;
  }
}

export class PeerMembership {
  /** Told apart from the peer id's other connections, past and future: UUIDv7, so newer sorts later. */
  readonly id = uuidv7();
  readonly address: PeerAddress;
  readonly connectedAt = new Date();
  readonly #endpoint: PeerEndpoint;
  readonly #parts: HubParts;
  #started: Promise<void> = Promise.resolve();
  #unsubscribe: Unsubscribe | undefined;
  /** This membership's entries are this process's presence for the peer id (until a newer one here). */
  #holdsPresence = false;
  #replaced = false;
  #left = false;
  #messageCount = 0;
  #lastActivity = this.connectedAt;
  #lastFlushMs = 0;
  #flushTimer: NodeJS.Timeout | undefined;

  constructor(options: { address: PeerAddress; endpoint: PeerEndpoint; parts: HubParts }) {
    this.address = options.address;
    this.#endpoint = options.endpoint;
    this.#parts = options.parts;
  }

  /** Subscribes, publishes presence, announces itself. Never rejects. */
  start(): Promise<void> {
    this.#started = this.#start();
    return this.#started;
  }

  /**
   * Relays a frame to another peer of the same company. 'absent' when no such peer is connected
   * anywhere. Rejects with BusUnavailableError when the peer may be elsewhere and Redis cannot
   * be asked or told.
   */
  async send(toPeer: string, frame: Omit<RelayedFrame, 'from_peer'>): Promise<SendOutcome> {
    const { local, bus } = this.#parts;
    const relayed: RelayedFrame = { type: frame.type, from_peer: this.address.peerId, data: frame.data };
    const target = { companyId: this.address.companyId, peerId: toPeer };
    const here = local.get(localKey(target));
    if (here?.receiving === true) {
      here.#endpoint.deliver(relayed);
      return 'sent';
    }
    const entry = await findPeer(bus.presence, target);
    if (entry === undefined) return 'absent';
    const envelope: Envelope = { kind: 'relay', to: entry.membership_id, frame: relayed };
    await bus.publish(peerChannel(target.companyId, target.peerId), envelope);
    return 'sent';
  }

  /** The client sent something: counted for the stats, which are written at most every flush period. */
  recordActivity(): void {
    this.#messageCount += 1;
    this.#lastActivity = new Date();
    if (this.#flushTimer !== undefined || !this.#holdsPresence || this.#left) return;
    const waitMs = Math.max(0, this.#lastFlushMs + this.#parts.activityFlushMs - Date.now());
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      void this.#writeDetails({ flush: true });
    }, waitMs);
    this.#flushTimer.unref();
  }

  /** Withdraws the peer (unless a newer connection holds it now) and stops receiving. Never rejects. */
  async leave(): Promise<void> {
    if (this.#left) return;
    this.#left = true;
    await this.#started;
    clearTimeout(this.#flushTimer);
    const { local, bus, logger } = this.#parts;
    if (local.get(localKey(this.address)) === this) local.delete(localKey(this.address));
    if (this.#holdsPresence) {
      this.#holdsPresence = false;
      // Never rejects; on Redis only this process's own entry is removed, never a newer one's.
      await Promise.all([
        bus.presence.remove(companyGroup(this.address.companyId), this.address.peerId),
        bus.presence.remove(ALL_PEERS_GROUP, allPeersMember(this.address.companyId, this.address.peerId)),
      ]);
    }
    await this.#unsubscribe?.().catch((error: unknown) => {
      logger.debug({ err: error }, 'signaling unsubscribe failed');
    });
  }

  /** Whether relays handed over in this process reach this peer. */
  get receiving(): boolean {
    return !this.#replaced && !this.#left;
  }

  /** A newer connection in this process took the peer id: its presence replaces this one's. */
  supersede(): void {
    this.#holdsPresence = false;
    this.#replace();
  }

  async #start(): Promise<void> {
    const { bus, logger } = this.#parts;
    const channel = peerChannel(this.address.companyId, this.address.peerId);
    this.#unsubscribe = await lastingSubscription({
      name: 'signaling peer',
      logger,
      subscribe: () => bus.subscribe(channel, (message) => this.#receive(message)),
    });
    // Checked right before writing: once a newer membership here has written, this one must not.
    if (!this.receiving) return;
    this.#holdsPresence = true;
    const entry: CompanyEntry = { membership_id: this.id, connected_at: this.connectedAt.toISOString() };
    await Promise.all([
      bus.presence.set(companyGroup(this.address.companyId), this.address.peerId, { ...entry }),
      this.#writeDetails({ flush: false }),
    ]).catch((error: unknown) => {
      // Kept by the bus in this process: its heartbeat publishes it once Redis is back.
      logger.warn({ err: error }, 'signaling presence not published yet; retried on the bus heartbeat');
    });
    const announcement: Envelope = { kind: 'replaced', by: this.id };
    await bus.publish(channel, announcement).catch((error: unknown) => {
      logger.warn({ err: error }, 'a replaced signaling connection elsewhere was not told');
    });
  }

  /** Writes the stats entry; `flush` when it carries activity (which then waits a flush period). */
  #writeDetails(options: { flush: boolean }): Promise<void> {
    if (!this.#holdsPresence || this.#left) return Promise.resolve();
    if (options.flush) this.#lastFlushMs = Date.now();
    const details: PeerDetails = {
      peer_id: this.address.peerId,
      company_id: this.address.companyId,
      connected_at: this.connectedAt.toISOString(),
      last_activity: this.#lastActivity.toISOString(),
      message_count: this.#messageCount,
    };
    return this.#parts.bus.presence
      .set(ALL_PEERS_GROUP, allPeersMember(this.address.companyId, this.address.peerId), { ...details })
      .catch((error: unknown) => {
        this.#parts.logger.debug({ err: error }, 'signaling stats not written; next activity retries');
      });
  }

  #receive(message: JsonValue): void {
    const envelope = parseEnvelope(message);
    if (envelope === undefined) {
      this.#parts.logger.warn('ignored a malformed signaling relay');
      return;
    }
    if (!this.receiving) return;
    if (envelope.kind === 'relay') {
      if (envelope.to === this.id) this.#endpoint.deliver(envelope.frame);
      return;
    }
    // Its own announcement, and those of older connections still closing, change nothing.
    if (envelope.by > this.id) this.#replace();
  }

  #replace(): void {
    if (!this.receiving) return;
    this.#replaced = true;
    this.#endpoint.replaced();
  }
}
