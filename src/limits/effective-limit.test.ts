import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { effectiveLimit, isLimitName } from './effective-limit.ts';
import { createRateLimits } from './rate-limits.ts';

const config = loadConfig({ LIMIT_REST_PER_MINUTE: '100', LIMIT_AI_REQUESTS_PER_WEEK: '0' });

describe('effective limits', () => {
  it("are the tenant's override where it has one, else the setting", () => {
    const tenant = { limits: { LIMIT_REST_PER_MINUTE: 2 } };
    expect(effectiveLimit(config, tenant, 'LIMIT_REST_PER_MINUTE')).toBe(2);
    expect(effectiveLimit(config, tenant, 'LIMIT_WS_MESSAGES_PER_SECOND')).toBe(10);
    expect(effectiveLimit(config, undefined, 'LIMIT_REST_PER_MINUTE')).toBe(100);
  });

  it('keep an override of 0, which lifts the limit for that tenant', () => {
    expect(effectiveLimit(config, { limits: { LIMIT_REST_PER_MINUTE: 0 } }, 'LIMIT_REST_PER_MINUTE')).toBe(0);
  });

  it('limit one tenant by its override and another by the default', async () => {
    const limits = createRateLimits({ backend: 'memory' });
    const tenants = { small: { limits: { LIMIT_REST_PER_MINUTE: 2 } }, plain: { limits: {} } };
    const allowed = async (key: keyof typeof tenants) => {
      let count = 0;
      for (let index = 0; index < 5; index += 1) {
        const limit = effectiveLimit(config, tenants[key], 'LIMIT_REST_PER_MINUTE');
        const decision = await limits.consume({
          name: 'LIMIT_REST_PER_MINUTE',
          key,
          limit,
          windowSeconds: 60,
        });
        if (decision.allowed) count += 1;
      }
      return count;
    };
    expect(await allowed('small')).toBe(2);
    expect(await allowed('plain')).toBe(5);
  });

  it('know the limit names', () => {
    expect(isLimitName('LIMIT_REST_PER_MINUTE')).toBe(true);
    expect(isLimitName('LIMIT_NOTHING')).toBe(false);
  });
});
