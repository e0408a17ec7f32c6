import type { Config } from '../config.ts';
import { LIMIT_NAMES, type LimitName, type Tenant } from '../core/domain.ts';

// A limit's default comes from the settings (LIMIT_*); `cai tenant limits --set` overrides it for
// one tenant. `0` means no limit.

export type LimitDefaults = Pick<Config, LimitName>;

export function effectiveLimit(
  config: LimitDefaults,
  tenant: Pick<Tenant, 'limits'> | undefined,
  name: LimitName,
): number {
  return tenant?.limits[name] ?? config[name];
}

export function isLimitName(name: string): name is LimitName {
  return (LIMIT_NAMES as readonly string[]).includes(name);
}
