// The SQLite store's ticket cache: bounded, the oldest written goes first, 0 keeps nothing.
import { describe, expect, it } from 'vitest';
import { createTicketCache } from '../../src/store/sqlite/ticketCache.js';

describe('the ticket cache', () => {
  it('keeps at most its capacity, dropping the entry written longest ago', () => {
    const cache = createTicketCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3); // rewritten: now the newest
    cache.set('c', 4);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([3, undefined, 4]);
  });

  it('forgets an entry on delete and everything on clear', () => {
    const cache = createTicketCache<number>(10);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    cache.clear();
    expect(cache.get('b')).toBeUndefined();
  });

  it('keeps dropping the oldest over many writes, rewrites and deletes', () => {
    const capacity = 50;
    const cache = createTicketCache<number>(capacity);
    const order: string[] = []; // oldest first, what the cache should hold
    const forget = (key: string) => {
      const at = order.indexOf(key);
      if (at >= 0) order.splice(at, 1);
    };
    const write = (key: string, value: number) => {
      cache.set(key, value);
      forget(key);
      order.push(key);
      if (order.length > capacity) order.shift();
    };
    for (let i = 0; i < 5_000; i++) {
      write(`t${i}`, i);
      if (i % 7 === 0) write(`t${i - 20}`, -i); // a rewrite moves an older key to the back
      if (i % 11 === 0) {
        cache.delete(`t${i - 3}`);
        forget(`t${i - 3}`);
      }
      if (i === 2_500) {
        cache.clear();
        order.length = 0;
      }
    }
    const held = Array.from({ length: 5_000 }, (_, i) => `t${i}`).filter((key) => cache.get(key) !== undefined);
    expect(held.sort()).toEqual([...order].sort());
  });

  it('keeps nothing with capacity 0', () => {
    const cache = createTicketCache<number>(0);
    cache.set('a', 1);
    expect(cache.get('a')).toBeUndefined();
  });
});
