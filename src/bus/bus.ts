// The Bus port: what several cai processes share so that they act as one. Embedded mode runs the
// in-process implementation (memory-bus.ts); distributed mode runs the Redis one (redis-bus.ts).
// Callers see the same contract either way; docs/scaling.md describes it for operators.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A handler's failure (thrown or rejected) is logged and never reaches the publisher. */
export type MessageHandler = (message: JsonValue) => void | Promise<void>;

export type Unsubscribe = () => Promise<void>;

/** Gives a connection lease back. Never rejects; releasing twice counts once. */
export type ReleaseLease = () => Promise<void>;

export interface PresenceMember {
  member: string;
  data: JsonValue;
}

/**
 * Who is connected where, e.g. the signaling peers of a company. A member set here stays while this
 * process lives: the bus refreshes it on its heartbeat, and the member of a process that dies
 * vanishes once its time-to-live lapses.
 */
export interface Presence {
  /**
   * Adds or updates a member. It is recorded in this process first: when Redis is unreachable this
   * rejects with BusUnavailableError, and the next heartbeat after Redis returns publishes it
   * (`remove` withdraws it).
   */
  set(group: string, member: string, data: JsonValue): Promise<void>;
  /**
   * Withdraws a member this process set; one set meanwhile by another process is left alone. Never
   * rejects: a member it cannot withdraw now (Redis unreachable) lapses with its time-to-live.
   */
  remove(group: string, member: string): Promise<void>;
  get(group: string, member: string): Promise<JsonValue | undefined>;
  /** The members whose time-to-live has not lapsed, in no particular order. */
  list(group: string): Promise<PresenceMember[]>;
}

/**
 * Concurrent-connection counts shared by every process (per tenant, company, IP). A lease is held
 * while this process lives; the leases of a process that dies lapse with their time-to-live, so a
 * count cannot leak.
 */
export interface ConnectionLeases {
  /** A release function when fewer than `max` leases are held (0 = no cap), else undefined. */
  acquire(key: string, max: number): Promise<ReleaseLease | undefined>;
  count(key: string): Promise<number>;
}

export interface Bus {
  readonly kind: 'memory' | 'redis';
  /** Delivers to every subscriber of the channel in every process, this one included; at most once. */
  publish(channel: string, message: JsonValue): Promise<void>;
  /** Resolves once messages are flowing; a subscription survives Redis outages by itself. */
  subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe>;
  readonly presence: Presence;
  readonly connections: ConnectionLeases;
  /** Resolves when the bus can serve calls now, else rejects with BusUnavailableError. */
  ping(): Promise<void>;
  /** Withdraws this process's presence members and leases, then disconnects. Idempotent. */
  close(): Promise<void>;
}
