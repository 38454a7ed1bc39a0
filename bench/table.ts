/**
 * The one table every scenario's rows are printed in: as aligned text for the terminal and as
 * Markdown for docs/benchmarks.md.
 */
import type { Row } from './harness.js';
import { formatRatio } from './ratio.js';

/** A figure with a sensible number of digits. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  // Counts (scheduled events, restarts) print as whole numbers.
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function formatTarget(row: Row): [string, string] {
  if (!row.target) return ['', ''];
  return [row.target.text, row.target.met ? 'met' : 'MISSED'];
}

const HEADER = ['scenario', 'subject', 'metric', 'value', 'ratio', 'target', 'met'];

function cells(rows: readonly Row[]): string[][] {
  return rows.map((row) => [
    row.scenario,
    row.note ? `${row.subject} (${row.note})` : row.subject,
    row.metric,
    formatValue(row.value),
    row.ratio ? formatRatio(row.ratio) : '',
    ...formatTarget(row),
  ]);
}

/** The rows as an aligned text table; the scenario is printed once per group of rows. */
export function formatTable(rows: readonly Row[]): string {
  const body = cells(rows).map((row, i) =>
    i > 0 && rows[i - 1]!.scenario === rows[i]!.scenario ? ['', ...row.slice(1)] : row,
  );
  const all = [HEADER, ...body];
  const widths = HEADER.map((_, col) => Math.max(...all.map((row) => row[col]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, col) => (col === 3 ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '─'.repeat(width)).join('  ');
  return [line(HEADER), rule, ...body.map(line)].join('\n');
}

/** The rows as a Markdown table. */
export function formatMarkdownTable(rows: readonly Row[]): string {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  const body = cells(rows).map((row, i) =>
    i > 0 && rows[i - 1]!.scenario === rows[i]!.scenario ? ['', ...row.slice(1)] : row,
  );
  return [
    `| ${HEADER.join(' | ')} |`,
    `| ${HEADER.map((_, col) => (col === 3 ? '---:' : '---')).join(' | ')} |`,
    ...body.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}
