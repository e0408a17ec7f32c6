import type { Command } from 'commander';
import type { TenantLimits } from '../auth/tenant-admin.ts';
import { LIMIT_NAMES } from '../core/domain.ts';
import { isLimitName } from '../limits/effective-limit.ts';
import type { CliContext } from './cli-context.ts';
import { UsageError } from './cli-errors.ts';

export type RunWithContext = (action: (context: CliContext) => Promise<void>) => Promise<void>;

export function addTenantCommands(program: Command, run: RunWithContext): void {
  const tenant = program.command('tenant').description('Manage tenants');

  tenant
    .command('create')
    .description('Create a tenant and its first API key')
    .requiredOption('--name <name>', "the tenant's name")
    .option('--json', 'print {"tenant_id","name","api_key"}')
    .action((options: { name: string; json?: boolean }) =>
      run(async ({ admin, io }) => {
        const created = await admin.createTenant({ name: options.name });
        if (options.json) return io.out(JSON.stringify(created));
        io.out(`Created tenant "${created.name}" with id ${created.tenant_id}.`);
        io.out('Its API key is shown this once and cannot be shown again; store it somewhere safe now:');
        io.out('');
        io.out(`  ${created.api_key}`);
        io.out('');
      }),
    );

  tenant
    .command('limits')
    .description("Show a tenant's effective limits, or override them with --set (0 = no limit)")
    .argument('<tenant_id>', 'the tenant')
    .option(
      '--set <assignments...>',
      'NAME=VALUE, e.g. LIMIT_REST_PER_MINUTE=500; NAME=default removes an override',
    )
    .option('--json', 'print the limits as JSON')
    .action((tenantId: string, options: { set?: string[]; json?: boolean }) =>
      run(async ({ admin, io }) => {
        const assignments = (options.set ?? []).map(parseAssignment);
        let limits = await admin.getTenantLimits(tenantId);
        for (const assignment of assignments) {
          limits = await admin.setTenantLimit({ tenantId, ...assignment });
        }
        io.out(options.json ? JSON.stringify(limits) : formatLimits(limits));
      }),
    );
}

/** `NAME=VALUE`; an empty VALUE or `default` removes the override. Checked before anything is written. */
function parseAssignment(assignment: string): { name: string; value: number | null } {
  const separator = assignment.indexOf('=');
  if (separator <= 0) throw new UsageError(`expected NAME=VALUE, got "${assignment}"`);
  const name = assignment.slice(0, separator).trim().toUpperCase();
  const text = assignment.slice(separator + 1).trim();
  if (!isLimitName(name)) {
    throw new UsageError(`unknown limit ${name}; the limits are ${LIMIT_NAMES.join(', ')}`);
  }
  if (text === '' || text.toLowerCase() === 'default') return { name, value: null };
  if (!/^\d+$/.test(text)) throw new UsageError(`${name} must be a whole number, at least 0 (got "${text}")`);
  return { name, value: Number(text) };
}

function formatLimits(limits: TenantLimits): string {
  const width = Math.max(...LIMIT_NAMES.map((name) => name.length));
  const lines = LIMIT_NAMES.map((name) => {
    const setting = limits.limits[name];
    const value = setting.value === 0 ? '0 (no limit)' : String(setting.value);
    const origin = setting.overridden ? `tenant override; default ${setting.default}` : 'default';
    return `  ${name.padEnd(width)}  ${value.padEnd(14)}${origin}`;
  });
  return [`Limits of tenant ${limits.tenant_id}:`, ...lines].join('\n');
}
