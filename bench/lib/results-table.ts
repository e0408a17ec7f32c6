// The results table: one row per figure, cai next to the direct baseline measured in the same run
// (and, where one was measured, the peer gateway beside it).

export interface ResultRow {
  scenario: string;
  metric: string;
  cai: string;
  /** The same figure for the peer gateway (Portkey) in the same run; absent where it has none. */
  peer?: string;
  /** The same figure for the bare relay (the floor of one Node hop) in the same run; absent where it has none. */
  floor?: string;
  direct: string;
  /** cai against direct: a ratio (`1.04×`) or a difference (`+0.31 ms`). */
  comparison: string;
  goal: string;
  /** `yes`, `no`, or `` where the row has no goal. */
  met: '' | 'yes' | 'no';
}

/** A table of its own for figures that do not fit one row each (a sweep, a series). */
export interface DetailTable {
  title: string;
  headers: string[];
  rows: string[][];
}

type Column = [keyof ResultRow, string];

const HEADERS: Column[] = [
  ['scenario', 'scenario'],
  ['metric', 'metric'],
  ['cai', 'cai'],
  ['peer', 'portkey'],
  ['floor', 'bare relay'],
  ['direct', 'direct'],
  ['comparison', 'cai vs direct'],
  ['goal', 'goal'],
  ['met', 'met?'],
];

/** The peer and floor columns only where some row has such a figure. */
function columnsFor(rows: readonly ResultRow[]): Column[] {
  const optional = new Set<keyof ResultRow>(['peer', 'floor']);
  return HEADERS.filter(([key]) => !optional.has(key) || rows.some((row) => row[key] !== undefined));
}

function cells(rows: readonly ResultRow[]): { headers: string[]; body: string[][] } {
  const columns = columnsFor(rows);
  return {
    headers: columns.map(([, title]) => title),
    body: rows.map((row) => columns.map(([key]) => row[key] ?? '')),
  };
}

function plainText(headers: readonly string[], body: readonly string[][]): string {
  const widths = headers.map((title, index) =>
    Math.max(title.length, ...body.map((row) => (row[index] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index] as number))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

function markdown(headers: readonly string[], body: readonly string[][]): string {
  const line = (values: readonly string[]) =>
    `| ${values.map((value) => value.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...body.map(line)].join('\n');
}

/** A plain-text table for the terminal. */
export function formatTable(rows: readonly ResultRow[]): string {
  const { headers, body } = cells(rows);
  return plainText(headers, body);
}

/** The same table in Markdown, for docs/benchmarks.md. */
export function formatMarkdownTable(rows: readonly ResultRow[]): string {
  const { headers, body } = cells(rows);
  return markdown(headers, body);
}

export function formatDetailTable(table: DetailTable, format: 'text' | 'markdown' = 'text'): string {
  const body = format === 'text' ? plainText(table.headers, table.rows) : markdown(table.headers, table.rows);
  return `${table.title}\n${body}`;
}

export const formatMs = (value: number): string =>
  Number.isFinite(value) ? `${value.toFixed(2)} ms` : 'n/a';
export const formatAdded = (value: number): string =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(2)} ms` : 'n/a';
/** Microseconds, for figures whose goal is stated in them. */
export const formatAddedMicros = (valueMs: number): string =>
  Number.isFinite(valueMs) ? `${valueMs >= 0 ? '+' : ''}${Math.round(valueMs * 1000)} µs` : 'n/a';
export const formatRatio = (value: number): string =>
  Number.isFinite(value) ? `${value.toFixed(3)}×` : 'n/a';
export const formatRate = (value: number): string =>
  Number.isFinite(value) ? `${Math.round(value).toLocaleString('en-US')}/s` : 'n/a';
export const formatMiB = (kib: number): string =>
  Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : 'n/a';
export const verdict = (met: boolean): 'yes' | 'no' => (met ? 'yes' : 'no');

/**
 * The verdict on an "added ≤ goal" figure (cai minus direct). cai adds a hop, so it cannot beat
 * the direct baseline by more than noise: a difference below −goal means the baseline itself was
 * disturbed (a busy machine), and the row cannot show the goal met.
 */
export function addedVerdict(addedMs: number, goalMs: number): { met: 'yes' | 'no'; note: string } {
  if (!Number.isFinite(addedMs)) return { met: 'no', note: '' };
  if (addedMs < -goalMs) return { met: 'no', note: ' (baseline disturbed)' };
  return { met: verdict(addedMs <= goalMs), note: '' };
}
