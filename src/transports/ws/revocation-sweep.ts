import type { Logger } from 'pino';
import type { Store } from '../../store/store.ts';

// Revocation from another process (`npx cai key revoke`, another server) is not announced to this
// one, so every REVOCATION_CHECK_MS the store is asked which of the open connections' keys are
// revoked, and those are closed. In-process revocations are closed at once (tenantAdmin.onKeyRevoked).

export interface RevocationSweepOptions {
  store: Pick<Store, 'revokedApiKeyIds'>;
  intervalMs: number;
  /** The key ids with an open connection now. */
  openKeyIds: () => string[];
  closeKey: (keyId: string) => void;
  logger: Logger;
}

export class RevocationSweep {
  readonly #options: RevocationSweepOptions;
  readonly #timer: NodeJS.Timeout;
  #running = false;

  constructor(options: RevocationSweepOptions) {
    this.#options = options;
    this.#timer = setInterval(() => void this.sweep(), options.intervalMs);
    this.#timer.unref();
  }

  /** One check now; a check still running is not overlapped. */
  async sweep(): Promise<void> {
    if (this.#running) return;
    const keyIds = this.#options.openKeyIds();
    if (keyIds.length === 0) return;
    this.#running = true;
    try {
      for (const keyId of await this.#options.store.revokedApiKeyIds(keyIds)) this.#options.closeKey(keyId);
    } catch (error) {
      // Storage unreachable: keep the connections and look again next time.
      this.#options.logger.warn({ err: error }, 'revocation check failed');
    } finally {
      this.#running = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
