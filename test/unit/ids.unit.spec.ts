// UUIDv7 ids (RFC 9562): the shape, the embedded time, and order within and across milliseconds.
import { describe, expect, it } from 'vitest';
import { createUuidV7 } from '../../src/ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('UUIDv7 ids', () => {
  it('are version 7, variant 10, and carry the millisecond they were made in', () => {
    const id = createUuidV7(() => 1_795_000_000_123)();
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(1_795_000_000_123);
  });

  it('sort in the order they were made, many within one millisecond', () => {
    const next = createUuidV7(() => 1_795_000_000_000);
    const ids = Array.from({ length: 10_000 }, next);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it('never go back when the clock does', () => {
    let clock = 2_000_000_000_000;
    const next = createUuidV7(() => clock);
    const first = next();
    clock -= 5000;
    expect(next() > first).toBe(true);
  });

  it('sort by time across milliseconds', () => {
    let clock = 1_000;
    const next = createUuidV7(() => clock++);
    const ids = Array.from({ length: 1000 }, next);
    expect([...ids].sort()).toEqual(ids);
  });
});
