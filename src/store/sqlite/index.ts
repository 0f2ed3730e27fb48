// The SQLite store: one file in WAL mode, migrations at open, group-committed writes, statements prepared once.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import type { DomainEvent } from '../../domain/events.js';
import type { Decision, Ticket } from '../../domain/ticket.js';
import { toRecord } from '../../events/record.js';
import type { ConsumerStore } from '../consumerPort.js';
import type { ChangeOutcome, CreateOutcome, StoredEvent, TicketStore } from '../port.js';
import { recordToRow, rowToStoredEvent, rowToTicket, ticketToRow } from '../rows.js';
import type { Database, EventRow, TicketRow } from '../schema.js';
import { createGroupCommit } from './groupCommit.js';
import { sqliteMigrations } from './migrations.js';
import { createSqliteConsumerStore } from './consumerStore.js';
import { dynamicQueries } from './prepared.js';
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
    const { write } = decision;
    switch (write.kind) {
      case 'insert':
        q.insertTicket.run(ticketToRow(write.ticket));
        break;
      case 'update':
        q.updateTicket.run(ticketToRow(write.ticket));
        break;
      case 'delete':
        q.deleteTicket.run({ tenant: write.ticket.tenant, id: write.ticket.id });
        break;
      case 'none':
        break;
      default: {
        const unreachable: never = write;
        throw new Error(`unhandled write ${JSON.stringify(unreachable)}`);
      }
    }
    appendEvents(decision.events);
  };

  return {
    consumers: consumers.store,

    create(tenant, decide, idempotency) {
      return commits.run((): CreateOutcome => {
        if (idempotency) {
          const prior = q.idempotency.get<{ fingerprint: string; response: string }>({ tenant, key: idempotency.key, not_before: idempotency.notBefore });
          if (prior) {
            return prior.fingerprint === idempotency.fingerprint
              ? { kind: 'replayed', ticket: JSON.parse(prior.response) as Ticket }
              : { kind: 'key_reused' };
          }
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

    list(tenant, query, audit) {
      return commits.run(() => {
        let sel = db.selectFrom('tickets').selectAll().where('tenant', '=', tenant);
        if (query.status) sel = sel.where('status', '=', query.status);
        if (query.type) sel = sel.where('type', '=', query.type);
        if (query.priority) sel = sel.where('priority', '=', query.priority);
        if (query.assignee) sel = sel.where('assignee', '=', query.assignee);
        if (query.customerId) sel = sel.where('customer_id', '=', query.customerId);
        if (query.tag) sel = sel.where(sql<boolean>`exists (select 1 from json_each(tickets.tags) where value = ${query.tag})`);
        if (query.after) {
          const { updatedAt, id } = query.after;
          sel = sel.where((eb) => eb.or([eb('updated_at', '<', updatedAt), eb.and([eb('updated_at', '=', updatedAt), eb('id', '<', id)])]));
        }
        const page = allDynamic<TicketRow>(sel.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(query.limit)).map(rowToTicket);
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
