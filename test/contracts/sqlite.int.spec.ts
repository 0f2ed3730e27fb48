// The store contract against the SQLite adapter, on a real file in WAL mode.
import { NO_SLA } from '../support/tickets.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/domain/decision.js';
import { createTicket, deleteTicket, readTicket, updateTicket } from '../../src/domain/ticketCommands.js';
import { historicEvent } from '../../src/events/record.js';
import { ticketAt } from '../../src/domain/history.js';
import { type StoredEvent, StoreUnavailableError } from '../../src/store/port.js';
import { type SqliteStore, openSqliteStore } from '../../src/store/sqlite/index.js';
import { sqliteMigrations } from '../../src/store/sqlite/migrations.js';
import { tempDataDir } from '../support/service.js';
import { replayContract } from './replayContract.js';
import { storeContract } from './storeContract.js';
import { viaCommands as via } from '../support/commands.js';

async function openTempStore() {
  const dir = tempDataDir();
  const store = await openSqliteStore({ path: join(dir, 'contract.db') });
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An agent of acme acting now, for the tests below that open their own stores. */
const ctx = (): CommandContext => ({
  tenant: 'acme',
  principal: { id: 'a', roles: ['agent'] },
  correlationId: 'c',
  now: new Date().toISOString(),
  newId: () => crypto.randomUUID(),
  severityKeywords: [],
  sla: NO_SLA,
});

/** Two stores on one file, each with its own writer thread, as two processes would have them. */
async function withTwoStores(file: string, run: (one: SqliteStore, two: SqliteStore) => Promise<void>): Promise<void> {
  const dir = tempDataDir();
  const path = join(dir, file);
  const [one, two] = [await openSqliteStore({ path }), await openSqliteStore({ path })];
  try {
    await run(one, two);
  } finally {
    await one.close();
    await two.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

storeContract('SQLite', openTempStore);
replayContract('SQLite', openTempStore);

describe('SQLite held by another process', () => {
  it('fails the whole batch as unavailable at once, and commits again once the lock is gone', async () => {
    const dir = tempDataDir();
    const path = join(dir, 'locked.db');
    const store = await openSqliteStore({ path, busyTimeoutMs: 50 });
    const other = new BetterSqlite3(path);
    const ctx = {
      tenant: 'acme',
      principal: { id: 'a', roles: ['agent' as const] },
      correlationId: 'c',
      now: '2026-01-01T00:00:00.000Z',
      newId: () => crypto.randomUUID(),
      severityKeywords: [],
      sla: NO_SLA,
    };
    const create = () => via(store).create('acme', () => createTicket({ title: 't', createdBy: 'a' }, ctx));
    try {
      other.exec('BEGIN IMMEDIATE');
      const outcomes = await Promise.allSettled([create(), create(), create()]);
      for (const o of outcomes) expect(o.status === 'rejected' && o.reason).toBeInstanceOf(StoreUnavailableError);
      other.exec('ROLLBACK');
      expect(await create()).toMatchObject({ kind: 'created' });
      expect(await store.backlog()).toBe(1);
    } finally {
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite writes decided on what was read', () => {
  it('decides again when another process changed the ticket first: every change lands once, versions in order', async () => {
    await withTwoStores('two.db', async (one, two) => {
      const created = await via(one).create('acme', () => createTicket({ title: 'shared', createdBy: 'a' }, ctx()));
      if (!('kind' in created) || created.kind !== 'created') throw new Error('not created');
      const id = created.ticket.id;
      const bump = (store: typeof one, i: number) => via(store).change('acme', id, (t) => updateTicket(t, { tags: [...t.tags, `t${i}`] }, undefined, ctx()));
      const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2 === 0 ? one : two, i)));
      expect(outcomes.every((o) => 'kind' in o && o.kind === 'done')).toBe(true);
      const history = (await one.history('acme', id))!;
      expect(history.map((e) => e.version)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
      const last = ticketAt(history.map(historicEvent))!;
      expect(last.tags).toHaveLength(40);
      expect(new Set(last.tags).size).toBe(40);
    });
  });

  it('reads what is stored, not what it cached, after another process changed or deleted the ticket', async () => {
    await withTwoStores('cached.db', async (one, two) => {
      const created = await via(one).create('acme', () => createTicket({ title: 'cached', createdBy: 'a' }, ctx()));
      if (!('kind' in created) || created.kind !== 'created') throw new Error('not created');
      const id = created.ticket.id;
      const read = (store: typeof one) => via(store).change('acme', id, (t) => readTicket(t, ctx()));
      expect(await read(two)).toMatchObject({ ticket: { version: 1, title: 'cached' } });
      await via(one).change('acme', id, (t) => updateTicket(t, { title: 'changed elsewhere' }, undefined, ctx()));
      expect(await read(two)).toMatchObject({ ticket: { version: 2, title: 'changed elsewhere' } });
      await via(one).change('acme', id, (t) => deleteTicket(t, undefined, ctx()));
      expect(await read(two)).toEqual({ ok: false, code: 'not_found' });
    });
  });

  it('keeps the search index in step with inserts, title changes, deletes and a rebuild', async () => {
    const dir = tempDataDir();
    const store = await openSqliteStore({ path: join(dir, 'search.db') });
    const search = async (...words: string[]) => (await store.list('acme', { search: words, limit: 10 })).map((t) => t.title).sort();
    try {
      const made = await Promise.all(
        ['Printer jammed', 'Printer smoking', 'Scanner offline'].map((title) =>
          via(store).create('acme', () => createTicket({ title, createdBy: 'a' }, ctx())),
        ),
      );
      const [jammed, smoking] = made.map((o) => ('kind' in o && o.kind === 'created' ? o.ticket : undefined));
      expect(await search('print')).toEqual(['Printer jammed', 'Printer smoking']);
      await via(store).change('acme', jammed!.id, (t) => updateTicket(t, { title: 'Copier jammed' }, undefined, ctx()));
      await via(store).change('acme', smoking!.id, (t) => deleteTicket(t, undefined, ctx()));
      expect(await search('print')).toEqual([]);
      expect(await search('copier')).toEqual(['Copier jammed']);
      await store.rebuildTickets((events) => ticketAt(events.map(historicEvent)));
      expect(await search('jammed')).toEqual(['Copier jammed']);
      expect(await search('smoking')).toEqual([]);
      expect(await search('scan')).toEqual(['Scanner offline']);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite outbox cursor', () => {
  it('hands the relay events of two processes on one file in commit order, each once', async () => {
    await withTwoStores('shared-outbox.db', async (one, two) => {
      const create = async (store: SqliteStore, title: string) => {
        const outcome = await via(store).create('acme', () => createTicket({ title, createdBy: 'a' }, ctx()));
        if (!('kind' in outcome) || outcome.kind !== 'created') throw new Error('not created');
        return outcome.ticket.id;
      };
      // `one` remembers a and c, which it wrote; b, between them, is only in the file.
      const ids = [await create(one, 'a'), await create(two, 'b'), await create(one, 'c')];
      // What one hands out from memory is what two reads from the file, and the other way round.
      const asRead = (events: StoredEvent[]) => events.map((e) => ({ ...e, payload: Buffer.from(e.payload) }));
      expect(asRead(await one.pending(10))).toEqual(asRead(await two.pending(10)));
      const seen: string[] = [];
      for (let round = 0; round < 5; round++) {
        const batch = await one.pending(2);
        if (batch.length === 0) break;
        seen.push(...batch.map((e) => e.ticketId!));
        await one.markPublished(
          batch.map((e) => e.seq),
          new Date().toISOString(),
        );
      }
      expect(seen).toEqual(ids);
      expect(await one.backlog()).toBe(0);
    });
  });

  it.each([
    ['some events marked', ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:01.000Z', null, null], ['e3', 'e4']],
    ['every event marked', ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:01.000Z'], []],
    ['no event marked', [null, null], ['e1', 'e2']],
    ['no events at all', [], []],
  ])('an upgraded file with %s keeps every unmarked event pending, and what comes after', async (_case, marks, pending) => {
    const dir = tempDataDir();
    const path = join(dir, 'upgrade.db');
    // The file as a release before the cursor left it: events marked one by one, some not yet.
    const before = Object.fromEntries(Object.entries(sqliteMigrations).filter(([name]) => name < '0007'));
    const raw = new BetterSqlite3(path);
    const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    const migrated = await new Migrator({ db: kysely, provider: { getMigrations: async () => before } }).migrateToLatest();
    expect(migrated.error).toBeUndefined();
    const insert =
      raw.prepare(`INSERT INTO events (event_id, tenant, ticket_id, version, action, subject, schema, correlation_id, actor, occurred_at, payload, published_at)
      VALUES (?, 'acme', 't1', ?, 'updated', 'acme.ticket.ticket.event.updated', 'ticket.event.updated@v1', 'c', 'a', '2026-01-01T00:00:00.000Z', x'00', ?)`);
    for (const [i, at] of marks.entries()) insert.run(`e${i + 1}`, i + 1, at);
    await kysely.destroy();

    const store = await openSqliteStore({ path });
    try {
      expect((await store.pending(10)).map((e) => e.eventId)).toEqual(pending);
      expect(await store.backlog()).toBe(pending.length);
      if (marks.length > 0) expect((await store.history('acme', 't1'))!.map((e) => e.published)).toEqual(marks.map((at) => at !== null));
      const created = await via(store).create('acme', () => createTicket({ title: 'after the upgrade', createdBy: 'a' }, ctx()));
      if (!('kind' in created) || created.kind !== 'created') throw new Error('not created');
      expect((await store.pending(10)).map((e) => e.ticketId)).toEqual([...pending.map(() => 't1'), created.ticket.id]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
