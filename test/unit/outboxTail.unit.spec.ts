// The SQLite store's outbox tail: hands the relay a gap-free run right after its cursor, or nothing.
import { describe, expect, it } from 'vitest';
import { createOutboxTail } from '../../src/store/sqlite/outboxTail.js';

const events = (...seqs: number[]) => seqs.map((seq) => ({ seq }));
const seqsOf = (list: Array<{ seq: number }>) => list.map((e) => e.seq);

describe('the outbox tail', () => {
  it('hands out the events right after the cursor, at most the limit, and drops what the cursor passed', () => {
    const tail = createOutboxTail(100);
    tail.add(events(1, 2, 3, 4));
    expect(seqsOf(tail.after(0, 3))).toEqual([1, 2, 3]);
    expect(seqsOf(tail.after(3, 10))).toEqual([4]);
    expect(tail.size()).toBe(1);
    expect(tail.after(4, 10)).toEqual([]);
    expect(tail.size()).toBe(0);
  });

  it('hands out nothing when the first event after the cursor is not here (another process committed it)', () => {
    const tail = createOutboxTail(100);
    tail.add(events(5, 6));
    expect(tail.after(3, 10)).toEqual([]);
    expect(seqsOf(tail.after(4, 10))).toEqual([5, 6]);
  });

  it('stops the run at a gap', () => {
    const tail = createOutboxTail(100);
    tail.add(events(1, 2, 4, 5));
    expect(seqsOf(tail.after(0, 10))).toEqual([1, 2]);
    expect(tail.after(2, 10)).toEqual([]);
    expect(seqsOf(tail.after(3, 10))).toEqual([4, 5]);
  });

  it('puts an event added late in its place', () => {
    const tail = createOutboxTail(100);
    tail.add(events(1, 3));
    tail.add(events(2));
    expect(seqsOf(tail.after(0, 10))).toEqual([1, 2, 3]);
  });

  it('keeps at most its capacity, dropping the oldest, which then come from the file', () => {
    const tail = createOutboxTail(3);
    tail.add(events(1, 2, 3, 4, 5));
    expect(tail.size()).toBe(3);
    expect(tail.after(0, 10)).toEqual([]);
    expect(seqsOf(tail.after(2, 10))).toEqual([3, 4, 5]);
  });

  it('stays correct over many rounds (its array is compacted as the head moves on)', () => {
    const tail = createOutboxTail(10_000);
    let cursor = 0;
    for (let round = 0; round < 500; round++) {
      tail.add(events(...Array.from({ length: 7 }, (_, i) => round * 7 + i + 1)));
      const run = tail.after(cursor, 5);
      expect(run[0]!.seq).toBe(cursor + 1);
      cursor = run[run.length - 1]!.seq;
    }
    expect(seqsOf(tail.after(cursor, 1))).toEqual([cursor + 1]);
    expect(tail.size()).toBe(500 * 7 - cursor);
  });
});
