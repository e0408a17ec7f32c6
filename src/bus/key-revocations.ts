import type { Logger } from 'pino';
import { z } from 'zod';
import type { Bus, Unsubscribe } from './bus.ts';
import { REVOCATIONS_CHANNEL } from './channels.ts';

// Key revocation across processes: the process that revokes a key announces it, and every process
// (itself included) closes that key's sockets. The bus delivers at most once, so an announcement
// lost in a Redis outage is caught later by the store check (transports/ws/revocation-sweep.ts).

export interface KeyRevokedEvent {
  keyId: string;
  tenantId: string;
}

const revokedEvent = z.object({ keyId: z.string().min(1), tenantId: z.string().min(1) });

export interface KeyRevocations {
  /** Rejects with BusUnavailableError when Redis is unreachable. */
  announce(event: KeyRevokedEvent): Promise<void>;
  onRevoked(handler: (event: KeyRevokedEvent) => void | Promise<void>): Promise<Unsubscribe>;
}

export function createKeyRevocations(options: { bus: Bus; logger: Logger }): KeyRevocations {
  const { bus, logger } = options;
  return {
    async announce(event) {
      await bus.publish(REVOCATIONS_CHANNEL, { keyId: event.keyId, tenantId: event.tenantId });
    },
    onRevoked(handler) {
      return bus.subscribe(REVOCATIONS_CHANNEL, (message) => {
        const parsed = revokedEvent.safeParse(message);
        if (!parsed.success) {
          logger.warn({ issues: parsed.error.issues }, 'ignored a malformed key revocation');
          return;
        }
        return handler(parsed.data);
      });
    },
  };
}
