// The SQLite store: one file in WAL mode, migrations at open, group-committed writes, statements prepared once.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import type { DomainEvent } from '../../domain/events.js';
import type { Decision, Ticket } from '../../domain/ticket.js';
import { toRecord } from '../../events/record.js';
import type { ConsumerStore } from '../consumerPort.js';
import type { ChangeOutcome, CreateOutcome, StoredEvent, TicketStore, UpsertOutcome } from '../port.js';
import { outcomeOfPriorClaim } from '../idempotency.js';
import { selectPage } from '../listPage.js';
import { recordToRow, rowToStoredEvent, rowToTicket, ticketToRow } from '../rows.js';
import type { Database, EventRow, TicketRow } from '../schema.js';
import { applyWrite } from '../ticketWrite.js';
import { createGroupCommit } from './groupCommit.js';
import { sqliteMigrations } from './migrations.js';
import { createSqliteConsumerStore } from './consumerStore.js';
import { dynamicQueries } from './prepared.js';
import { fts5Query } from './search.js';
import { prepareStatements } from './statements.js';

export type SqliteOptions = { path: string; synchronous?: 'FULL' | 'NORMAL'; busyTimeoutMs?: number };

/** The ticket store, and the consumers' store on the same connection (one writer to the file). */
export type SqliteStore = TicketStore & { consumers: ConsumerStore };

export async function openSqliteStore({ path, synchronous = 'FULL', busyTimeoutMs = 5000 }: SqliteOptions): Promise<SqliteStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma(`synchronous = ${synchronous}`);
  raw.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  const migrated = await new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } }).migrateToLatest();
  if (migrated.error) throw migrated.error;

  const q = prepareStatements(raw, db);
  // The list query's shape depends on its filters; each distinct shape is prepared once.
  const allDynamic = dynamicQueries(raw);
  const consumers = createSqliteConsumerStore(raw, db);

  const listeners: Array<() => void> = [];
  const commits = createGroupCommit(raw, () => listeners.forEach((l) => l()));

  const loadTicket = (tenant: string, id: string): Ticket | undefined => {
    const row = q.ticket.get<TicketRow>({ tenant, id });
    return row && rowToTicket(row);
  };
  const appendEvents = (events: DomainEvent[]): void => {
    for (const event of events) q.insertEvent.run(recordToRow(toRecord(event)));
  };
  const apply = (decision: Extract<Decision, { ok: true }>): void => {
    applyWrite(decision.write, {
      insert: (row) => q.insertTicket.run(row),
      update: (row) => q.updateTicket.run(row),
      delete: (key) => q.deleteTicket.run(key),
      none: () => 0,
    });
    appendEvents(decision.events);
  };

  return {
    consumers: consumers.store,

    create(tenant, decide, idempotency) {
      return commits.run((): CreateOutcome => {
        if (idempotency) {
          const prior = q.idempotency.get<{ fingerprint: string; response: string }>({ tenant, key: idempotency.key, not_before: idempotency.notBefore });
          if (prior) return outcomeOfPriorClaim(prior, idempotency);
        }
        const decision = decide();
        if (!decision.ok) return decision;
        const ticket = decision.write.ticket;
        if (ticket.externalId !== null && q.externalIdOwner.get({ tenant, external_id: ticket.externalId })) {
          return { ok: false, code: 'external_id_taken', externalId: ticket.externalId };
        }
        apply(decision);
        if (idempotency) {
          q.claimIdempotency.run({
            tenant, key: idempotency.key, fingerprint: idempotency.fingerprint, ticket_id: ticket.id, response: JSON.stringify(ticket), created_at: ticket.createdAt,
          });
        }
        return { kind: 'created', ticket };
      });
    },

    change(tenant, id, decide) {
      return commits.run((): ChangeOutcome => {
        const current = loadTicket(tenant, id);
        if (!current) return { ok: false, code: 'not_found' };
        const decision = decide(current);
        if (!decision.ok) return decision;
        apply(decision);
        return { kind: 'done', ticket: decision.write.ticket, deleted: decision.write.kind === 'delete' };
      });
    },

    upsertByExternalId(tenant, externalId, decide) {
      return commits.run((): UpsertOutcome => {
        const row = q.ticketByExternalId.get<TicketRow>({ tenant, external_id: externalId });
        const current = row && rowToTicket(row);
        const decision = decide(current);
        if (!decision.ok) return decision;
        apply(decision);
        const kind = decision.write.kind === 'insert' ? 'created' : decision.write.kind === 'none' ? 'unchanged' : 'updated';
        return { kind, ticket: decision.write.ticket };
      });
    },

    list(tenant, query, audit) {
      return commits.run(() => {
        const page = allDynamic<TicketRow>(selectPage(db, tenant, query, {
          hasTag: (tag) => sql<boolean>`exists (select 1 from json_each(tickets.tags) where value = ${tag})`,
          matches: (words) =>
            sql<boolean>`tickets.id in (select k.id from tickets_fts f join ticket_search_keys k on k.k = f.rowid where tickets_fts match ${fts5Query(words)} and k.tenant = ${tenant})`,
        })).map(rowToTicket);
        appendEvents(audit(page));
        return page;
      });
    },

    async history(tenant, id) {
      const rows = q.history.all<EventRow & { seq: number }>({ tenant, id });
      return rows.length === 0 ? undefined : rows.map(rowToStoredEvent);
    },

    rebuildTickets(fold) {
      return commits.run(() => {
        q.deleteAllTickets.run({});
        let tickets = 0;
        let events = 0;
        for (const { tenant, ticket_id: id } of q.ticketKeysWithEvents.all<{ tenant: string; ticket_id: string }>({})) {
          const history = q.history.all<EventRow & { seq: number }>({ tenant, id }).map(rowToStoredEvent);
          events += history.length;
          const ticket = fold(history);
          if (!ticket) continue;
          q.insertTicket.run(ticketToRow(ticket));
          tickets += 1;
        }
        return { tickets, events };
      });
    },

    async slaDue(now, limit) {
      return q.slaDue.all<{ tenant: string; id: string }>({ now, limit });
    },

    async dashboard(tenant) {
      const counts = (stmt: typeof q.countBy.status, column: string) =>
        Object.fromEntries(stmt.all<Record<string, string | number | null>>({ tenant }).map((r) => [String(r[column] ?? 'none'), Number(r.n)]));
      const oldest = q.oldestOpen.get<TicketRow>({ tenant });
      return {
        byStatus: counts(q.countBy.status, 'status'),
        byPriority: counts(q.countBy.priority, 'priority'),
        bySlaState: counts(q.countBy.sla_state, 'sla_state'),
        openBreaches: Number(q.openBreaches.get<{ n: number }>({ tenant })?.n ?? 0),
        oldestOpen: oldest ? rowToTicket(oldest) : null,
      };
    },

    async slaTickets(tenant, state, offset, limit) {
      return q.slaTickets.all<TicketRow>({ tenant, state, offset, limit }).map(rowToTicket);
    },

    async tenantSettings(tenant) {
      const rows = q.tenantSettings.all<{ name: string; value: string }>({ tenant });
      return Object.fromEntries(rows.map((r) => [r.name, JSON.parse(r.value) as unknown]));
    },

    async putTenantSetting(tenant, name, value, at) {
      await commits.run(() => q.putTenantSetting.run({ tenant, name, value: JSON.stringify(value), updated_at: at }));
    },

    async allTickets() {
      return q.allTickets.all<TicketRow>({}).map(rowToTicket);
    },

    async pending(limit): Promise<StoredEvent[]> {
      return q.pending.all<EventRow & { seq: number }>({ limit }).map(rowToStoredEvent);
    },

    async markPublished(seqs, at) {
      if (seqs.length === 0) return;
      await commits.run(() => q.markPublished.run({ at, seqs: JSON.stringify(seqs) }));
    },

    async backlog() {
      return Number(q.backlog.get<{ n: number }>({})?.n ?? 0);
    },

    purgeIdempotency(before) {
      return commits.run(() => q.purgeIdempotency.run({ before }));
    },

    onEventsCommitted(listener) {
      listeners.push(listener);
    },

    async ping() {
      raw.prepare('SELECT 1').get();
    },

    async close() {
      await commits.flushed();
      await consumers.flushed();
      raw.close();
    },
  };
}
