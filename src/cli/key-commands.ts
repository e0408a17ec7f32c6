import type { Command } from 'commander';
import type { RunWithContext } from './tenant-commands.ts';

export function addKeyCommands(program: Command, run: RunWithContext): void {
  const key = program.command('key').description("Manage a tenant's API keys");

  key
    .command('create')
    .description('Create another API key for a tenant')
    .requiredOption('--tenant <tenant_id>', 'the tenant')
    .option('--json', 'print {"key_id","api_key"}')
    .action((options: { tenant: string; json?: boolean }) =>
      run(async ({ admin, io }) => {
        const created = await admin.createKey({ tenantId: options.tenant });
        if (options.json) return io.out(JSON.stringify(created));
        io.out(`Created API key ${created.key_id} for tenant ${options.tenant}.`);
        io.out('The key is shown this once and cannot be shown again; store it somewhere safe now:');
        io.out('');
        io.out(`  ${created.api_key}`);
        io.out('');
      }),
    );

  key
    .command('revoke')
    .description('Revoke an API key; it stops working at once')
    .argument('<key_id>', 'the key id (not the key itself)')
    .option('--json', 'print {"key_id","revoked_at"}')
    .action((keyId: string, options: { json?: boolean }) =>
      run(async ({ admin, io }) => {
        const revoked = await admin.revokeKey(keyId);
        io.out(
          options.json
            ? JSON.stringify(revoked)
            : `Revoked API key ${revoked.key_id} at ${revoked.revoked_at}.`,
        );
      }),
    );
}
