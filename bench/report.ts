// The results: figures checked against their targets, a table on stdout and bench/results/latest.json.
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
  const rows = [
    ['figure', 'value', 'unit', 'target', 'pass'],
    ...figures.map((f) => [f.name, f.value === null ? 'n/a' : String(f.value), f.unit, f.target ?? '', f.pass === null ? '' : f.pass ? 'yes' : 'NO']),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, col) => (col === 1 ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!)))
      .join('  ')
      .trimEnd();
  const judged = figures.filter((f) => f.pass !== null);
  return [
    line(rows[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
    '',
    `${judged.filter((f) => f.pass).length} of ${judged.length} targets met`,
  ].join('\n');
}

/** Writes bench/results/latest.json in the source tree (this file runs from dist/bench/). */
export function writeResults(results: object): string {
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}latest.json`;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
