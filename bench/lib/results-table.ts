// The results table: one row per figure, cai next to the direct baseline measured in the same run.

export interface ResultRow {
  scenario: string;
  metric: string;
  cai: string;
  direct: string;
  /** cai against direct: a ratio (`1.04×`) or a difference (`+0.31 ms`). */
  comparison: string;
  goal: string;
  /** `yes`, `no`, or `` where the row has no goal. */
  met: '' | 'yes' | 'no';
}

const HEADERS: Array<[keyof ResultRow, string]> = [
  ['scenario', 'scenario'],
  ['metric', 'metric'],
  ['cai', 'cai'],
  ['direct', 'direct'],
  ['comparison', 'ratio / added'],
  ['goal', 'goal'],
  ['met', 'met?'],
];

/** A plain-text table for the terminal. */
export function formatTable(rows: readonly ResultRow[]): string {
  const widths = HEADERS.map(([key, title]) => Math.max(title.length, ...rows.map((row) => row[key].length)));
  const line = (cells: string[]) =>
    cells.map((cell, index) => cell.padEnd(widths[index] as number)).join('  ');
  return [
    line(HEADERS.map(([, title]) => title)),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(HEADERS.map(([key]) => row[key]))),
  ].join('\n');
}

/** The same table in Markdown, for docs/benchmarks.md. */
export function formatMarkdownTable(rows: readonly ResultRow[]): string {
  const line = (cells: string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [
    line(HEADERS.map(([, title]) => title)),
    line(HEADERS.map(() => '---')),
    ...rows.map((row) => line(HEADERS.map(([key]) => row[key]))),
  ].join('\n');
}

export const formatMs = (value: number): string =>
  Number.isFinite(value) ? `${value.toFixed(2)} ms` : 'n/a';
export const formatAdded = (value: number): string =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(2)} ms` : 'n/a';
export const formatRatio = (value: number): string =>
  Number.isFinite(value) ? `${value.toFixed(3)}×` : 'n/a';
export const verdict = (met: boolean): 'yes' | 'no' => (met ? 'yes' : 'no');
