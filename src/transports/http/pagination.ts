import { z } from 'zod';
import type { Page } from '../../core/domain.ts';
import { parseInput } from './validation.ts';

// Doc 004's pagination: offset (default 0), limit 1..100 (default 50), order asc|desc (default asc).

const pageQuery = z.object({
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  order: z.enum(['asc', 'desc']).default('asc'),
});

export function parsePage(query: unknown, defaultOrder: Page['order'] = 'asc'): Page {
  const raw = (query ?? {}) as Record<string, unknown>;
  const parsed = parseInput(pageQuery, { ...raw, order: raw['order'] ?? defaultOrder }, 'query');
  return parsed;
}

export function pageEnvelope(page: Page, total: number, count: number) {
  return { total, offset: page.offset, limit: page.limit, has_more: page.offset + count < total };
}
