import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Scope } from '../../core/domain.ts';
import { ResumeRegistry, type ResumableSession } from './resume-registry.ts';

class Session implements ResumableSession {
  expired = 0;
  constructor(
    readonly id: string,
    readonly owner: Scope,
  ) {}
  expire(): void {
    this.expired += 1;
  }
}

const GRACE_MS = 30_000;
const tenantOwner = { tenantId: 'tenant-1' };
const aliceOwner = { tenantId: 'tenant-1', userId: 'alice' };

describe('the resume registry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands a registered session to its owner once', () => {
    const registry = new ResumeRegistry<Session>({ graceMs: GRACE_MS });
    const session = new Session('s1', tenantOwner);
    registry.register(session);
    expect(registry.claim('s1', tenantOwner)).toBe(session);
    expect(registry.claim('s1', tenantOwner)).toBeUndefined();
    expect(registry.size).toBe(0);
  });

  it('refuses another tenant, and another user of a user-owned session', () => {
    const registry = new ResumeRegistry<Session>({ graceMs: GRACE_MS });
    const session = new Session('s1', aliceOwner);
    registry.register(session);
    expect(registry.claim('s1', { tenantId: 'tenant-2', userId: 'alice' })).toBeUndefined();
    expect(registry.claim('s1', { tenantId: 'tenant-1', userId: 'bob' })).toBeUndefined();
    expect(registry.claim('unknown', aliceOwner)).toBeUndefined();
    expect(registry.claim('s1', aliceOwner)).toBe(session);
  });

  it("refuses a user token asking for a tenant-wide session, and a key asking for a user's", () => {
    const registry = new ResumeRegistry<Session>({ graceMs: GRACE_MS });
    const tenantWide = new Session('s1', tenantOwner);
    const alices = new Session('s2', aliceOwner);
    registry.register(tenantWide);
    registry.register(alices);
    expect(registry.claim('s1', aliceOwner)).toBeUndefined();
    expect(registry.claim('s2', tenantOwner)).toBeUndefined();
    expect(registry.claim('s1', tenantOwner)).toBe(tenantWide);
    expect(registry.claim('s2', aliceOwner)).toBe(alices);
  });

  it('expires a parked session when the grace period ends, and forgets it', () => {
    const registry = new ResumeRegistry<Session>({ graceMs: GRACE_MS });
    const session = new Session('s1', tenantOwner);
    registry.register(session);
    registry.park(session);
    vi.advanceTimersByTime(GRACE_MS - 1);
    expect(session.expired).toBe(0);
    expect(registry.claim('s1', { tenantId: 'tenant-2' })).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(session.expired).toBe(1);
    expect(registry.claim('s1', tenantOwner)).toBeUndefined();
  });

  it('cancels the expiry when the session is claimed in time', () => {
    const registry = new ResumeRegistry<Session>({ graceMs: GRACE_MS });
    const session = new Session('s1', tenantOwner);
    registry.register(session);
    registry.park(session);
    vi.advanceTimersByTime(GRACE_MS / 2);
    expect(registry.claim('s1', tenantOwner)).toBe(session);
    vi.advanceTimersByTime(GRACE_MS * 2);
    expect(session.expired).toBe(0);
  });

  it('restarts the grace period when a session is parked again', () => {
    const registry = new ResumeRegistry<Session>({ graceMs: GRACE_MS });
    const session = new Session('s1', tenantOwner);
    registry.register(session);
    registry.park(session);
    vi.advanceTimersByTime(GRACE_MS - 1);
    registry.park(session);
    vi.advanceTimersByTime(GRACE_MS - 1);
    expect(session.expired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(session.expired).toBe(1);
  });

  it('ignores parking a session it does not hold, or one replaced under the same id', () => {
    const registry = new ResumeRegistry<Session>({ graceMs: GRACE_MS });
    const stranger = new Session('s1', tenantOwner);
    registry.park(stranger);
    const current = new Session('s1', tenantOwner);
    registry.register(current);
    registry.park(stranger);
    vi.advanceTimersByTime(GRACE_MS * 2);
    expect(stranger.expired).toBe(0);
    expect(current.expired).toBe(0);
    expect(registry.claim('s1', tenantOwner)).toBe(current);
  });

  it('forgets a removed session without expiring it', () => {
    const registry = new ResumeRegistry<Session>({ graceMs: GRACE_MS });
    const session = new Session('s1', tenantOwner);
    registry.register(session);
    registry.park(session);
    registry.remove(session);
    vi.advanceTimersByTime(GRACE_MS * 2);
    expect(session.expired).toBe(0);
    expect(registry.size).toBe(0);
  });

  it('expires everything at once on shutdown, each session once', () => {
    const registry = new ResumeRegistry<Session>({ graceMs: GRACE_MS });
    const open = new Session('s1', tenantOwner);
    const parked = new Session('s2', aliceOwner);
    registry.register(open);
    registry.register(parked);
    registry.park(parked);
    registry.expireAll();
    expect([open.expired, parked.expired]).toEqual([1, 1]);
    expect(registry.size).toBe(0);
    vi.advanceTimersByTime(GRACE_MS * 2);
    expect(parked.expired).toBe(1);
  });
});
