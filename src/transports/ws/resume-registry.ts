import type { Scope } from '../../core/domain.ts';

// Sessions a client may resume, by id. A session stays here while its socket is open and, after
// the socket closes, for the grace period (RESUME_GRACE_MS, default 30 s); then it expires and
// its running replies are interrupted (and stored as interrupted).

export interface ResumableSession {
  readonly id: string;
  /** Only the same tenant (and, for a user token, the same user) may resume it. */
  readonly owner: Scope;
  /** The grace period ran out with no resume: stop what is running and let go. */
  expire(): void;
}

export class ResumeRegistry<Session extends ResumableSession> {
  readonly #graceMs: number;
  readonly #sessions = new Map<string, { session: Session; timer: NodeJS.Timeout | undefined }>();

  constructor(options: { graceMs: number }) {
    this.#graceMs = options.graceMs;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** A new connection's session, resumable from now on. */
  register(session: Session): void {
    this.#sessions.set(session.id, { session, timer: undefined });
  }

  /** Its socket closed: keep it for the grace period, then expire it. */
  park(session: Session): void {
    const entry = this.#sessions.get(session.id);
    if (entry === undefined || entry.session !== session) return;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      if (this.#sessions.get(session.id)?.session === session) this.#sessions.delete(session.id);
      session.expire();
    }, this.#graceMs);
    entry.timer.unref();
  }

  /**
   * The session `id` for a client of `owner` that asks to resume it: removed from the registry
   * (the caller registers it again under its new socket). Undefined when unknown, expired, or
   * owned by someone else (indistinguishable, so ids cannot be probed).
   */
  claim(id: string, owner: Scope): Session | undefined {
    const entry = this.#sessions.get(id);
    if (entry === undefined) return undefined;
    const { session } = entry;
    // Same tenant and same user: a user token may not take over a tenant-wide (API key) session.
    if (session.owner.tenantId !== owner.tenantId || session.owner.userId !== owner.userId) return undefined;
    clearTimeout(entry.timer);
    this.#sessions.delete(id);
    return session;
  }

  /** Forgets a session that ended for good (the client said goodbye, or shutdown). */
  remove(session: Session): void {
    const entry = this.#sessions.get(session.id);
    if (entry?.session !== session) return;
    clearTimeout(entry.timer);
    this.#sessions.delete(session.id);
  }

  /** Shutdown: expire everything now. */
  expireAll(): void {
    for (const { session, timer } of this.#sessions.values()) {
      clearTimeout(timer);
      session.expire();
    }
    this.#sessions.clear();
  }
}
