// The behaviour every store adapter must have (SQLite and PostgreSQL): one suite, run per adapter.
import { NO_SLA } from '../support/tickets.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ticketAt } from '../../src/domain/history.js';
import type { CommandContext, Decision } from '../../src/domain/decision.js';
import { createTicket, deleteTicket, readTicket, updateTicket } from '../../src/domain/ticketCommands.js';
import { decodePayload, toRecord } from '../../src/events/record.js';
import type { StoredEvent, TicketStore } from '../../src/store/port.js';
import { type TestCommands, commandsOver } from '../support/commands.js';

export function storeContract(name: string, open: () => Promise<{ store: TicketStore; dispose(): Promise<void> }>) {
  describe(`${name} store contract`, () => {
    let store: TicketStore;
    let commands: TestCommands;
    let dispose: () => Promise<void>;
    let n = 0;
    const ctx = (tenant = 'acme'): CommandContext => ({
      tenant,
      principal: { id: 'bob', roles: ['agent'] },
      correlationId: 'c',
      now: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
      newId: () => `00000000-0000-7000-8000-${String(++n).padStart(12, '0')}`,
      severityKeywords: ['critical'],
      sla: NO_SLA,
    });
    const create = async (title: string, tenant = 'acme', more: { tags?: string[]; priority?: 'low' | 'high' } = {}) => {
      const c = ctx(tenant);
      const outcome = await commands.create(tenant, () => createTicket({ title, createdBy: 'bob', ...more }, c));
      if (!('kind' in outcome) || outcome.kind !== 'created') throw new Error(`not created: ${JSON.stringify(outcome)}`);
      return outcome.ticket;
    };

    beforeEach(async () => {
      ({ store, dispose } = await open());
      commands = commandsOver(store);
    });
    afterEach(async () => {
      await dispose();
    });

    it('commits a ticket with its events, pending until marked published', async () => {
      const t = await create('first');
      const pending = await store.pending(10);
      expect(pending.map((e) => [e.action, e.ticketId])).toEqual([['created', t.id]]);
      expect(decodePayload(pending[0]!.payload).ticket).toEqual(t);
      await store.markPublished(
        pending.map((e) => e.seq),
        '2026-01-01T00:00:01.000Z',
      );
      expect(await store.pending(10)).toEqual([]);
      expect(await store.backlog()).toBe(0);
      expect((await store.history('acme', t.id))!.map((e) => e.published)).toEqual([true]);
    });

    it('marks what was published up to the first event it could not publish; the rest stays pending', async () => {
      const [a, b, c] = [await create('a'), await create('b'), await create('c')];
      const pending = await store.pending(10);
      expect(pending.map((e) => e.ticketId)).toEqual([a.id, b.id, c.id]);
      await store.markPublished(
        pending.slice(0, 2).map((e) => e.seq),
        '2026-01-01T00:00:01.000Z',
      );
      expect((await store.pending(10)).map((e) => e.ticketId)).toEqual([c.id]);
      expect(await store.backlog()).toBe(1);
      expect((await store.history('acme', b.id))!.map((e) => e.published)).toEqual([true]);
      expect((await store.history('acme', c.id))!.map((e) => e.published)).toEqual([false]);
      const d = await create('d');
      expect((await store.pending(10)).map((e) => e.ticketId)).toEqual([c.id, d.id]);
    });

    describe('commit guards', () => {
      const recordsOf = (decision: Decision, c: CommandContext) =>
        decision.ok ? decision.events.map((e) => toRecord(e, { eventId: c.newId(), tenant: c.tenant, occurredAt: c.now, correlationId: 'c' })) : [];
      const accepted = (decision: Decision) => {
        if (!decision.ok) throw new Error(`refused: ${decision.code}`);
        return decision;
      };

      it('refuses a write decided on a version that has moved, and keeps nothing of it', async () => {
        const t = await create('raced');
        const c = ctx();
        const first = accepted(updateTicket(t, { title: 'first' }, undefined, c));
        const second = accepted(updateTicket(t, { title: 'second' }, undefined, c));
        expect(await store.commit({ tenant: 'acme', write: first.write, read: t, events: recordsOf(first, c) })).toEqual({ ok: true });
        const backlog = await store.backlog();
        expect(await store.commit({ tenant: 'acme', write: second.write, read: t, events: recordsOf(second, c) })).toEqual({ ok: false, reason: 'conflict' });
        expect(await store.commit({ tenant: 'acme', write: { kind: 'none', ticket: t }, read: t, events: [] })).toEqual({ ok: false, reason: 'conflict' });
        expect(await store.backlog()).toBe(backlog);
        expect((await store.load('acme', t.id, true)).ticket).toMatchObject({ title: 'first', version: 2 });
      });

      it('refuses an insert whose external id another ticket of the tenant holds', async () => {
        const c = ctx();
        await commands.create('acme', () => createTicket({ title: 'one', createdBy: 'bob', externalId: 'EXT-1' }, c));
        const again = accepted(createTicket({ title: 'two', createdBy: 'bob', externalId: 'EXT-1' }, c));
        expect(await store.commit({ tenant: 'acme', write: again.write, events: recordsOf(again, c) })).toEqual({ ok: false, reason: 'external_id_taken' });
        expect(await store.loadByExternalId('acme', 'EXT-1')).toMatchObject({ title: 'one' });
      });

      it('refuses a claim on a key that a live claim holds, handing back that claim', async () => {
        const c = ctx();
        const claim = { key: 'held', fingerprint: 'f1', notBefore: '2000-01-01T00:00:00.000Z' };
        const first = accepted(createTicket({ title: 'first', createdBy: 'bob' }, c));
        expect(await store.commit({ tenant: 'acme', write: first.write, events: recordsOf(first, c), claim: { ...claim, response: 'r1' } })).toEqual({
          ok: true,
        });
        const second = accepted(createTicket({ title: 'second', createdBy: 'bob' }, c));
        expect(
          await store.commit({ tenant: 'acme', write: second.write, events: recordsOf(second, c), claim: { ...claim, fingerprint: 'f2', response: 'r2' } }),
        ).toEqual({ ok: false, reason: 'claimed', prior: { fingerprint: 'f1', response: 'r1' } });
        expect(await store.priorClaim('acme', 'held', claim.notBefore)).toEqual({ fingerprint: 'f1', response: 'r1' });
        expect((await store.load('acme', second.write.ticket.id)).ticket).toBeUndefined();
      });
    });

    it('keeps pending events in commit order across tickets', async () => {
      const a = await create('a');
      const b = await create('b');
      await commands.change('acme', a.id, (cur) => updateTicket(cur, { priority: 'low' }, undefined, ctx()));
      expect((await store.pending(10)).map((e) => [e.action, e.ticketId])).toEqual([
        ['created', a.id],
        ['created', b.id],
        ['updated', a.id],
      ]);
    });

    it('sees nothing of another tenant', async () => {
      const t = await create('mine', 'tenant-a');
      expect(await commands.change('tenant-b', t.id, (cur) => readTicket(cur, ctx('tenant-b')))).toEqual({ ok: false, code: 'not_found' });
      expect(await store.history('tenant-b', t.id)).toBeUndefined();
      expect(await commands.list('tenant-b', { limit: 10 }, () => [])).toEqual([]);
    });

    it('lets one failing piece of work spoil nothing committed alongside it', async () => {
      const c = ctx();
      const results = await Promise.allSettled([
        commands.create('acme', () => createTicket({ title: 'kept 1', createdBy: 'bob' }, c)),
        commands.create('acme', () => {
          throw new Error('boom');
        }),
        commands.create('acme', () => createTicket({ title: 'kept 2', createdBy: 'bob' }, c)),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const titles = (await commands.list('acme', { limit: 10 }, () => [])).map((t) => t.title).sort();
      expect(titles).toEqual(['kept 1', 'kept 2']);
      expect(await store.backlog()).toBe(2);
    });

    it('replays an idempotency claim for the same body and refuses another body', async () => {
      const claim = { key: 'k1', fingerprint: 'f1', notBefore: '2000-01-01T00:00:00.000Z' };
      const c = ctx();
      const first = await commands.create('acme', () => createTicket({ title: 'once', createdBy: 'bob' }, c), claim);
      const again = await commands.create('acme', () => createTicket({ title: 'once', createdBy: 'bob' }, c), claim);
      expect(again).toEqual({ kind: 'replayed', ticket: (first as { ticket: unknown }).ticket });
      expect(await commands.create('acme', () => createTicket({ title: 'other', createdBy: 'bob' }, c), { ...claim, fingerprint: 'f2' })).toEqual({
        kind: 'key_reused',
      });
      expect(await store.backlog()).toBe(1);
    });
    it('gives concurrent changes of one ticket one version each, their events pending in version order', async () => {
      const t = await create('contended');
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => commands.change('acme', t.id, (cur) => updateTicket(cur, { title: `edit ${i}` }, undefined, ctx()))),
      );
      const versions = outcomes.map((o) => ('kind' in o ? o.ticket.version : 0)).sort((a, b) => a - b);
      expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
      const pending = (await store.pending(100)).filter((e) => e.ticketId === t.id);
      expect(pending.map((e) => e.version)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      expect(pending.map((e) => e.seq)).toEqual([...pending.map((e) => e.seq)].sort((a, b) => a - b));
    });

    it('refuses a second ticket with a taken external id, also when both arrive at once', async () => {
      const c = ctx();
      const withExternal = () => commands.create('acme', () => createTicket({ title: 'imported', createdBy: 'bob', externalId: 'JIRA-1' }, c));
      const outcomes = await Promise.all([withExternal(), withExternal()]);
      expect(outcomes.filter((o) => 'kind' in o && o.kind === 'created')).toHaveLength(1);
      expect(outcomes).toContainEqual({ ok: false, code: 'external_id_taken', externalId: 'JIRA-1' });
      expect(await withExternal()).toEqual({ ok: false, code: 'external_id_taken', externalId: 'JIRA-1' });
      expect(await commands.create('globex', () => createTicket({ title: 'imported', createdBy: 'bob', externalId: 'JIRA-1' }, ctx('globex')))).toMatchObject({
        kind: 'created',
      });
      expect(await store.backlog()).toBe(2);
    });

    it('creates once for requests racing with one idempotency key, and replays the winner to the others', async () => {
      const claim = { key: 'race', fingerprint: 'f', notBefore: '2000-01-01T00:00:00.000Z' };
      const c = ctx();
      const outcomes = await Promise.all(
        Array.from({ length: 4 }, () => commands.create('acme', () => createTicket({ title: 'once', createdBy: 'bob' }, c), claim)),
      );
      const created = outcomes.filter((o) => 'kind' in o && o.kind === 'created') as Array<{ ticket: { id: string } }>;
      expect(created).toHaveLength(1);
      for (const o of outcomes) expect(o).toMatchObject({ ticket: { id: created[0]!.ticket.id } });
      expect(await store.backlog()).toBe(1);
    });

    it('lets an expired idempotency claim go, so the key creates anew', async () => {
      const c = { ...ctx(), now: '2025-01-01T00:00:00.000Z' };
      const first = await commands.create('acme', () => createTicket({ title: 'old', createdBy: 'bob' }, c), {
        key: 'k',
        fingerprint: 'f1',
        notBefore: '2000-01-01T00:00:00.000Z',
      });
      const later = { key: 'k', fingerprint: 'f2', notBefore: '2026-01-01T00:00:00.000Z' };
      const second = await commands.create('acme', () => createTicket({ title: 'new', createdBy: 'bob' }, ctx()), later);
      expect(second).toMatchObject({ kind: 'created', ticket: { title: 'new' } });
      expect((second as { ticket: { id: string } }).ticket.id).not.toBe((first as { ticket: { id: string } }).ticket.id);
      expect(await commands.create('acme', () => createTicket({ title: 'new', createdBy: 'bob' }, ctx()), later)).toMatchObject({
        kind: 'replayed',
        ticket: { title: 'new' },
      });
      expect(await store.purgeIdempotency('2100-01-01T00:00:00.000Z')).toBe(1);
    });

    it('pages newest-updated first by keyset, filters by field and tag, and audits the page', async () => {
      const made = [];
      for (let i = 0; i < 5; i++) made.push(await create(`t${i}`, 'lister', { tags: i === 3 ? ['vip', 'hw'] : ['hw'], priority: i % 2 ? 'high' : 'low' }));
      const first = await commands.list('lister', { limit: 2 }, () => []);
      expect(first.map((t) => t.title)).toEqual(['t4', 't3']);
      const last = first[1]!;
      const next = await commands.list('lister', { limit: 2, after: { updatedAt: last.updatedAt, id: last.id } }, () => []);
      expect(next.map((t) => t.title)).toEqual(['t2', 't1']);
      expect((await commands.list('lister', { limit: 10, tag: 'vip' }, () => [])).map((t) => t.title)).toEqual(['t3']);
      expect((await commands.list('lister', { limit: 10, priority: 'high' }, () => [])).map((t) => t.title)).toEqual(['t3', 't1']);
      const before = await store.backlog();
      const c = ctx('lister');
      const page = await commands.list('lister', { limit: 1 }, (p) => [
        { action: 'listed', listing: { count: p.length, query: 'limit=1' }, actor: c.principal.id },
      ]);
      expect(page).toEqual([made[4]]);
      expect(await store.backlog()).toBe(before + 1);
    });

    it("keeps a deleted ticket's history, and rebuilds the tickets table from events exactly", async () => {
      const kept = await create('kept', 'acme', { tags: ['a:b', 'c'] });
      await commands.change('acme', kept.id, (cur) => updateTicket(cur, { priority: 'high', description: 'now with text' }, undefined, ctx()));
      await commands.change('acme', kept.id, (cur) => readTicket(cur, ctx()));
      const gone = await create('gone', 'globex');
      expect(await commands.change('globex', gone.id, (cur) => deleteTicket(cur, undefined, ctx('globex')))).toMatchObject({ kind: 'done', deleted: true });
      expect((await store.history('globex', gone.id))!.map((e) => e.action)).toEqual(['created', 'deleted']);
      const before = await store.allTickets();
      expect(before.map((t) => t.title)).toEqual(['kept']);
      const fold = (events: StoredEvent[]) =>
        ticketAt(events.map((e) => ({ action: e.action, occurredAt: e.occurredAt, ticket: decodePayload(e.payload).ticket })));
      expect(await store.rebuildTickets(fold)).toEqual({ tickets: 1, events: 5 });
      expect(await store.allTickets()).toEqual(before);
    });
  });
}
