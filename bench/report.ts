// The results: figures checked against their targets, a table on stdout and a file in bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Target = { op: '<=' | '>=' | '='; value: number };

export type Figure = {
  name: string;
  /** null when nothing could be measured (e.g. no samples). */
  value: number | null;
  unit: string;
  target: string | null;
  /** null for figures that have no target. */
  pass: boolean | null;
  detail?: string;
};

export function figure(name: string, value: number, unit: string, target?: Target, detail?: string): Figure {
  const measured = Number.isFinite(value);
  const places = unit === 'ratio' ? 3 : 2;
  return {
    name,
    value: measured ? Number(value.toFixed(places)) : null,
    unit,
    target: target ? `${target.op} ${target.value}` : null,
    pass: target ? measured && meets(value, target) : null,
    ...(detail ? { detail } : {}),
  };
}

function meets(value: number, target: Target): boolean {
  if (target.op === '<=') return value <= target.value;
  if (target.op === '>=') return value >= target.value;
  return value === target.value;
}

export function printTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [f.name, f.value === null ? 'n/a' : String(f.value), f.unit, f.target ?? '', f.pass === null ? '' : f.pass ? 'yes' : 'NO']);
  const judged = figures.filter((f) => f.pass !== null);
  return [
    formatTable(['figure', 'value', 'unit', 'target', 'pass'], rows, (col) => col === 1),
    '',
    `${judged.filter((f) => f.pass).length} of ${judged.length} targets met`,
  ].join('\n');
}

/** Columns padded to their widest cell, a rule under the header; `alignRight` picks the numeric columns. */
export function formatTable(header: string[], rows: readonly string[][], alignRight: (col: number) => boolean): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((r) => (r[col] ?? '').length)));
  const line = (r: readonly string[]) =>
    widths
      .map((width, col) => (alignRight(col) ? (r[col] ?? '').padStart(width) : (r[col] ?? '').padEnd(width)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Writes bench/results/<name> in the source tree (this file runs from dist/bench/). */
export function writeResults(results: object, name = 'latest.json'): string {
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${name}`;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
