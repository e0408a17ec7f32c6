import type { Scope } from '../../core/domain.ts';
import type { Store } from '../../store/store.ts';

// Where anonymous voice conversations (ALLOW_ANONYMOUS=true, no credential) are stored: a built-in
// tenant named `anonymous` under a well-known id, created on first use, with one user per
// connection (`anonymous-<connection id>`). It has no API key, so no tenant's key or token reads
// these conversations; an operator can, by deliberately minting a key for it
// (`npx cai key create --tenant 00000000-0000-7000-8000-000000000000`).

export const ANONYMOUS_TENANT_ID = '00000000-0000-7000-8000-000000000000';
export const ANONYMOUS_TENANT_NAME = 'anonymous';

/** The scope one anonymous connection writes in. */
export function anonymousScope(connectionId: string): Scope {
  return { tenantId: ANONYMOUS_TENANT_ID, userId: `anonymous-${connectionId}` };
}

/** Creates the anonymous tenant unless it exists; safe to race (another process may create it too). */
export async function ensureAnonymousTenant(store: Pick<Store, 'getTenant' | 'createTenant'>): Promise<void> {
  if ((await store.getTenant(ANONYMOUS_TENANT_ID)) !== undefined) return;
  try {
    await store.createTenant({ id: ANONYMOUS_TENANT_ID, name: ANONYMOUS_TENANT_NAME });
  } catch (error) {
    // Lost the race to another connection or process: the row is there now.
    if ((await store.getTenant(ANONYMOUS_TENANT_ID)) === undefined) throw error;
  }
}
