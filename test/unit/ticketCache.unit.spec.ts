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

  it('keeps nothing with capacity 0', () => {
    const cache = createTicketCache<number>(0);
    cache.set('a', 1);
    expect(cache.get('a')).toBeUndefined();
  });
});
