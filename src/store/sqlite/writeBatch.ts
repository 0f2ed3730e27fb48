// Runs batches of writes on one SQLite connection: every write of a batch in one transaction (one
// WAL append, one fsync). A write is plain data (named statements with their values, and guards),
// so the same code runs on the request thread or in the writer thread.
//
// A guard failing before the write has changed anything refuses that write alone. A write that
// throws (a constraint, say) rolls the whole batch back, and each write then runs again in a
// transaction of its own, so one failure spoils nothing else. No savepoints: opening one makes
// FTS5 flush its pending terms, which would cost a segment per write.
import type BetterSqlite3 from 'better-sqlite3';
import { getOrAdd } from '../../getOrAdd.js';

/** One statement of a write. `expect` guards: `row` (get finds one), `none` (get finds none), `changed` (run changes ≥ 1). */
export type Step = {
  sql: string;
  params: readonly unknown[];
  expect?: 'row' | 'none' | 'changed';
  /** What the write answers when the guard fails; `none` also hands back the row it found. */
  refuse?: string;
  /** Hand back the rowid this insert was given (an event's seq), in the write's `seqs`. */
  seq?: true;
};

export type Write = { steps: readonly Step[] };

export type WriteResult =
  | { ok: true; changes: number; seqs?: number[] }
  | { ok: false; refused: string; row?: unknown }
  | { ok: false; error: { message: string; code?: string | undefined; storeWide: boolean } };

export type BatchRunner = {
  /** The writes in one immediate transaction, a result per write. */
  run(writes: readonly Write[]): WriteResult[];
  /** One write inside a transaction the caller holds. */
  apply(write: Write): WriteResult;
};

export function createBatchRunner(db: BetterSqlite3.Database): BatchRunner {
  // Each distinct statement is prepared once per connection.
  const statements = new Map<string, BetterSqlite3.Statement>();
  const statement = (text: string) => getOrAdd(statements, text, () => db.prepare(text));

  const runOne = (write: Write): WriteResult => {
    let changes = 0;
    const seqs: number[] = [];
    for (const step of write.steps) {
      const stmt = statement(step.sql);
      if (step.expect === 'row' || step.expect === 'none') {
        const row = stmt.get(...step.params);
        if ((row !== undefined) === (step.expect === 'row')) continue;
        if (changes > 0) throw new Error(`guard failed after the write had changed rows`);
        return { ok: false, refused: step.refuse ?? 'refused', ...(row !== undefined ? { row } : {}) };
      }
      const ran = stmt.run(...step.params);
      if (step.expect === 'changed' && ran.changes === 0) {
        if (changes > 0) throw new Error(`guard failed after the write had changed rows`);
        return { ok: false, refused: step.refuse ?? 'refused' };
      }
      changes += ran.changes;
      if (step.seq) seqs.push(Number(ran.lastInsertRowid));
    }
    return seqs.length > 0 ? { ok: true, changes, seqs } : { ok: true, changes };
  };

  const together = db.transaction((writes: readonly Write[]) => writes.map(runOne));
  const alone = db.transaction(runOne);

  return {
    apply: runOne,
    run(writes) {
      try {
        return together.immediate(writes);
      } catch (error) {
        // A locked, full or failing database fails every write alike; running each again would
        // only wait out the busy timeout once per write.
        if (isStoreWide(error)) return writes.map(() => failure(error));
        return writes.map((write) => {
          try {
            return alone.immediate(write);
          } catch (error) {
            return failure(error);
          }
        });
      }
    },
  };
}

function failure(error: unknown): WriteResult {
  const code = (error as { code?: unknown })?.code;
  return {
    ok: false,
    error: { message: (error as Error)?.message ?? String(error), code: typeof code === 'string' ? code : undefined, storeWide: isStoreWide(error) },
  };
}

export function isStoreWide(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB)/.test(code);
}
