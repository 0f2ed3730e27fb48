// How a batch of writes crosses to the writer thread: one flat array of plain values, each statement
// named by a number once the thread has its text. Structured clone copies a flat array of
// primitives much faster than the same writes as objects (a step object, a params array and
// property names per statement; docs/performance-notes.md).
import type { Step, Write } from './writeBatch.js';

export type WireBatch = { texts: string[]; ops: unknown[] };

const EXPECT = ['row', 'none', 'changed'] as const;
const SEQ = 4;

export type BatchEncoder = {
  encode(writes: readonly Write[]): WireBatch;
  /** A new thread knows no statement yet: every text goes again. */
  reset(): void;
};

export function createBatchEncoder(): BatchEncoder {
  const ids = new Map<string, number>();
  return {
    encode(writes) {
      const texts: string[] = [];
      const ops: unknown[] = [writes.length];
      for (const write of writes) {
        ops.push(write.steps.length);
        for (const step of write.steps) {
          let id = ids.get(step.sql);
          if (id === undefined) {
            id = ids.size;
            ids.set(step.sql, id);
            texts.push(step.sql);
          }
          const flags = (step.expect ? EXPECT.indexOf(step.expect) + 1 : 0) | (step.seq ? SEQ : 0);
          ops.push(id, flags, step.refuse ?? null, step.params.length);
          for (const value of step.params) ops.push(value);
        }
      }
      return { texts, ops };
    },
    reset: () => ids.clear(),
  };
}

/** The thread's side: it learns each text once and rebuilds the writes. */
export function createBatchDecoder(): { decode(batch: WireBatch): Write[] } {
  const texts: string[] = [];
  return {
    decode(batch) {
      texts.push(...batch.texts);
      const { ops } = batch;
      let at = 0;
      const writes: Write[] = [];
      for (let w = ops[at++] as number; w > 0; w--) {
        const steps: Step[] = [];
        for (let s = ops[at++] as number; s > 0; s--) {
          const step: Step = { sql: texts[ops[at] as number]!, params: [] };
          const flags = ops[at + 1] as number;
          const refuse = ops[at + 2] as string | null;
          const count = ops[at + 3] as number;
          at += 4;
          step.params = ops.slice(at, at + count);
          at += count;
          if (flags & 3) step.expect = EXPECT[(flags & 3) - 1];
          if (flags & SEQ) step.seq = true;
          if (refuse !== null) step.refuse = refuse;
          steps.push(step);
        }
        writes.push({ steps });
      }
      return writes;
    },
  };
}
