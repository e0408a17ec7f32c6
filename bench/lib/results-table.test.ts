import { describe, expect, it } from 'vitest';
import { addedVerdict, formatMarkdownTable, formatTable, type ResultRow } from './results-table.ts';

const row = (fields: Partial<ResultRow>): ResultRow => ({
  scenario: 's',
  metric: 'm',
  cai: '1 ms',
  direct: '0.5 ms',
  comparison: '+0.50 ms',
  goal: '',
  met: '',
  ...fields,
});

describe('addedVerdict', () => {
  it('meets an "added ≤ goal" figure within the goal', () => {
    expect(addedVerdict(0.4, 0.5)).toEqual({ met: 'yes', note: '' });
    expect(addedVerdict(-0.3, 0.5)).toEqual({ met: 'yes', note: '' });
    expect(addedVerdict(0.6, 0.5)).toEqual({ met: 'no', note: '' });
  });

  it('refuses a cai faster than direct by more than the goal: the baseline was disturbed', () => {
    expect(addedVerdict(-9, 0.05)).toEqual({ met: 'no', note: ' (baseline disturbed)' });
    expect(addedVerdict(Number.NaN, 1).met).toBe('no');
  });
});

describe('the results table', () => {
  it('shows the portkey column only when some row has a peer figure', () => {
    expect(formatTable([row({})]).split('\n')[0]).not.toContain('portkey');
    const table = formatTable([row({}), row({ peer: '2 ms' })]);
    expect(table.split('\n')[0]).toMatch(/cai\s+portkey\s+direct/);
    expect(table.split('\n')[3]).toContain('2 ms');
  });

  it('shows the bare relay column only when some row has a floor figure', () => {
    expect(formatTable([row({ peer: '2 ms' })]).split('\n')[0]).not.toContain('bare relay');
    const table = formatTable([row({ peer: '2 ms' }), row({ floor: '0.7 ms' })]);
    expect(table.split('\n')[0]).toMatch(/cai\s+portkey\s+bare relay\s+direct/);
    expect(table.split('\n')[3]).toContain('0.7 ms');
  });

  it('escapes pipes in Markdown cells', () => {
    expect(formatMarkdownTable([row({ metric: 'a | b' })])).toContain('a \\| b');
  });
});
