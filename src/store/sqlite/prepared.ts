// Statements written once with Kysely, compiled and prepared once at open, then run with plain
// values: the hot path neither builds query trees nor compiles SQL per request.
import type BetterSqlite3 from 'better-sqlite3';
import type { Compilable } from 'kysely';
import type { Step } from './writeBatch.js';
import { getOrAdd } from '../../getOrAdd.js';

const SLOT = '\u0000slot:';

/** Stands in for a value when the query is built; the real value comes with each call. */
export type Slot = <T = never>(name: string) => T;

export type Prepared<P> = {
  /** The SQL text and its values for these params, to run elsewhere (the writer). */
  sql: string;
  values(params: P): unknown[];
  /** This statement as one step of a write, with an optional guard. */
  step(params: P, guard?: Pick<Step, 'expect' | 'refuse' | 'seq'>): Step;
  run(params: P): number;
  all<R>(params: P): R[];
  get<R>(params: P): R | undefined;
};

export function prepare<P extends Record<string, unknown>>(db: BetterSqlite3.Database, build: (slot: Slot) => Compilable): Prepared<P> {
  const compiled = build(<T = never>(name: string) => `${SLOT}${name}` as T).compile();
  const stmt = db.prepare(compiled.sql);
  // Each compiled parameter is either a slot, filled per call, or a constant of the query itself.
  const order: Array<{ slot: keyof P } | { value: unknown }> = compiled.parameters.map((p) =>
    typeof p === 'string' && p.startsWith(SLOT) ? { slot: p.slice(SLOT.length) as keyof P } : { value: toSqliteValue(p) },
  );
  const values = (params: P) => order.map((o) => ('slot' in o ? toSqliteValue(params[o.slot]) : o.value));
  return {
    sql: compiled.sql,
    values,
    step: (params, guard) => ({ sql: compiled.sql, params: values(params), ...guard }),
    run: (params) => stmt.run(...values(params)).changes,
    all: <R>(params: P) => stmt.all(...values(params)) as R[],
    get: <R>(params: P) => stmt.get(...values(params)) as R | undefined,
  };
}

export function toSqliteValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** For queries whose shape depends on their filters: compiled per call, each distinct shape prepared once. */
export function dynamicQueries(db: BetterSqlite3.Database): <R>(query: Compilable) => R[] {
  const shapes = new Map<string, BetterSqlite3.Statement>();
  return <R>(query: Compilable): R[] => {
    const { sql: text, parameters } = query.compile();
    const stmt = getOrAdd(shapes, text, () => db.prepare(text));
    return stmt.all(...parameters.map(toSqliteValue)) as R[];
  };
}
