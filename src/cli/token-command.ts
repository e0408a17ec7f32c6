import type { Command } from 'commander';
import { UsageError } from './cli-errors.ts';
import type { RunWithContext } from './tenant-commands.ts';

export function addTokenCommand(program: Command, run: RunWithContext): void {
  program
    .command('token')
    .description("Issue a JWT for one of a tenant's users (the user is created if new)")
    .requiredOption('--tenant <tenant_id>', 'the tenant')
    .requiredOption('--user <user_id>', 'the user id, chosen by you')
    .option('--ttl <seconds>', 'lifetime in seconds (default JWT_DEFAULT_TTL_SECONDS)')
    .option('--json', 'print {"token","expires_at"}')
    .action((options: { tenant: string; user: string; ttl?: string; json?: boolean }) =>
      run(async ({ admin, io }) => {
        const ttlSeconds = options.ttl === undefined ? undefined : parseSeconds(options.ttl);
        const issued = await admin.issueToken({ tenantId: options.tenant, userId: options.user, ttlSeconds });
        // The token alone, so `TOKEN=$(npx cai token …)` works.
        io.out(options.json ? JSON.stringify(issued) : issued.token);
      }),
    );
}

function parseSeconds(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
    throw new UsageError(`--ttl must be a whole number of seconds, at least 1 (got "${text}")`);
  }
  return Number(text);
}
