// The behaviour every store adapter must have (SQLite now, PostgreSQL next): one suite, run per adapter.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CommandContext, createTicket, readTicket, updateTicket } from '../../src/domain/ticket.js';
import { decodePayload } from '../../src/events/record.js';
import type { TicketStore } from '../../src/store/port.js';

export function storeContract(name: string, open: () => Promise<{ store: TicketStore; dispose(): Promise<void> }>) {
  describe(`${name} store contract`, () => {
    let store: TicketStore;
    let dispose: () => Promise<void>;
    let n = 0;
    const ctx = (tenant = 'acme'): CommandContext => ({
      tenant, principal: { id: 'bob', roles: ['agent'] }, correlationId: 'c', now: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
      newId: () => `00000000-0000-7000-8000-${String(++n).padStart(12, '0')}`, severityKeywords: ['critical'],
    });
    const create = async (title: string, tenant = 'acme') => {
      const c = ctx(tenant);
      const outcome = await store.create(tenant, () => createTicket({ title, createdBy: 'bob' }, c));
      if (!('kind' in outcome) || outcome.kind !== 'created') throw new Error(`not created: ${JSON.stringify(outcome)}`);
      return outcome.ticket;
    };

    beforeEach(async () => {
      ({ store, dispose } = await open());
    });
    afterEach(async () => {
      await dispose();
    });

    it('commits a ticket with its events, pending until marked published', async () => {
      const t = await create('first');
      const pending = await store.pending(10);
      expect(pending.map((e) => [e.action, e.ticketId])).toEqual([['created', t.id]]);
      expect(decodePayload(pending[0]!.payload).ticket).toEqual(t);
      await store.markPublished(pending.map((e) => e.seq), '2026-01-01T00:00:01.000Z');
      expect(await store.pending(10)).toEqual([]);
      expect(await store.backlog()).toBe(0);
      expect((await store.history('acme', t.id))!.map((e) => e.publishedAt)).toEqual(['2026-01-01T00:00:01.000Z']);
    });

    it('keeps pending events in commit order across tickets', async () => {
      const a = await create('a');
      const b = await create('b');
      await store.change('acme', a.id, (cur) => updateTicket(cur, { priority: 'low' }, undefined, ctx()));
      expect((await store.pending(10)).map((e) => [e.action, e.ticketId])).toEqual([['created', a.id], ['created', b.id], ['updated', a.id]]);
    });

    it('sees nothing of another tenant', async () => {
      const t = await create('mine', 'tenant-a');
      expect(await store.change('tenant-b', t.id, (cur) => readTicket(cur, ctx('tenant-b')))).toEqual({ ok: false, code: 'not_found' });
      expect(await store.history('tenant-b', t.id)).toBeUndefined();
      expect(await store.list('tenant-b', { limit: 10 }, () => [])).toEqual([]);
    });

    it('lets one failing piece of work spoil nothing committed alongside it', async () => {
      const c = ctx();
      const results = await Promise.allSettled([
        store.create('acme', () => createTicket({ title: 'kept 1', createdBy: 'bob' }, c)),
        store.create('acme', () => { throw new Error('boom'); }),
        store.create('acme', () => createTicket({ title: 'kept 2', createdBy: 'bob' }, c)),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const titles = (await store.list('acme', { limit: 10 }, () => [])).map((t) => t.title).sort();
      expect(titles).toEqual(['kept 1', 'kept 2']);
      expect(await store.backlog()).toBe(2);
    });

    it('replays an idempotency claim for the same body and refuses another body', async () => {
      const claim = { key: 'k1', fingerprint: 'f1', notBefore: '2000-01-01T00:00:00.000Z' };
      const c = ctx();
      const first = await store.create('acme', () => createTicket({ title: 'once', createdBy: 'bob' }, c), claim);
      const again = await store.create('acme', () => createTicket({ title: 'once', createdBy: 'bob' }, c), claim);
      expect(again).toEqual({ kind: 'replayed', ticket: (first as { ticket: unknown }).ticket });
      expect(await store.create('acme', () => createTicket({ title: 'other', createdBy: 'bob' }, c), { ...claim, fingerprint: 'f2' })).toEqual({ kind: 'key_reused' });
      expect(await store.backlog()).toBe(1);
    });
  });
}
