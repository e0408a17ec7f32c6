import { loadConfig, type Config } from '../config.ts';
import { resolveJwtSecret } from '../auth/jwt-secret.ts';
import { jwtSettingsFrom } from '../auth/jwt.ts';
import { createTenantAdmin, type TenantAdmin } from '../auth/tenant-admin.ts';
import { createStore } from '../store/create-store.ts';

// Each command reads the server's own settings (environment and `.env`), so it works on the same
// DATABASE_URL and signs tokens with the same secret, then closes the store so the process can end.

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CliContext {
  config: Config;
  admin: TenantAdmin;
  io: CliIo;
}

export async function withCliContext<T>(
  options: { environment: Record<string, string | undefined>; io: CliIo },
  action: (context: CliContext) => Promise<T>,
): Promise<T> {
  const config = loadConfig(options.environment);
  const store = await createStore({ url: config.DATABASE_URL });
  try {
    const jwt = async () => jwtSettingsFrom(config, await resolveJwtSecret(config));
    const admin = createTenantAdmin({ store, config, jwt });
    return await action({ config, admin, io: options.io });
  } finally {
    await store.close();
  }
}
