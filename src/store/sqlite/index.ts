// The SQLite store: one file in WAL mode, migrations at open, group-committed writes.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type Compilable, Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import type { Decision, Ticket } from '../../domain/ticket.js';
import { toRecord } from '../../events/record.js';
import type { ChangeOutcome, CreateOutcome, ListQuery, StoredEvent, TicketStore } from '../port.js';
import { recordToRow, rowToStoredEvent, rowToTicket, ticketToRow } from '../rows.js';
import type { Database, EventRow, TicketRow } from '../schema.js';
import { createGroupCommit } from './groupCommit.js';
import { sqliteMigrations } from './migrations.js';

export type SqliteOptions = { path: string; synchronous?: 'FULL' | 'NORMAL' };

export async function openSqliteStore({ path, synchronous = 'FULL' }: SqliteOptions): Promise<TicketStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma(`synchronous = ${synchronous}`);
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  const migrated = await new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } }).migrateToLatest();
  if (migrated.error) throw migrated.error;

  // Statements are compiled by Kysely and prepared once per distinct SQL text.
  const prepared = new Map<string, BetterSqlite3.Statement>();
  const statement = (query: Compilable) => {
    const { sql: text, parameters } = query.compile();
    let stmt = prepared.get(text);
    if (!stmt) {
      stmt = raw.prepare(text);
      prepared.set(text, stmt);
    }
    return { stmt, parameters: parameters.map(toSqliteValue) };
  };
  const all = <R>(query: Compilable): R[] => {
    const { stmt, parameters } = statement(query);
    return stmt.all(...parameters) as R[];
  };
  const run = (query: Compilable): number => {
    const { stmt, parameters } = statement(query);
    return stmt.run(...parameters).changes;
  };

  const listeners: Array<() => void> = [];
  const commits = createGroupCommit(raw, () => listeners.forEach((l) => l()));

  const loadTicket = (tenant: string, id: string): Ticket | undefined => {
    const row = all<TicketRow>(db.selectFrom('tickets').selectAll().where('tenant', '=', tenant).where('id', '=', id))[0];
    return row && rowToTicket(row);
  };

  const apply = (decision: Extract<Decision, { ok: true }>): void => {
    const { write } = decision;
    if (write.kind === 'put') {
      const row = ticketToRow(write.ticket);
      const { tenant, id, ...rest } = row;
      run(db.insertInto('tickets').values(row).onConflict((oc) => oc.columns(['tenant', 'id']).doUpdateSet(rest)));
    } else if (write.kind === 'delete') {
      run(db.deleteFrom('tickets').where('tenant', '=', write.ticket.tenant).where('id', '=', write.ticket.id));
    }
    for (const event of decision.events) run(db.insertInto('events').values(recordToRow(toRecord(event))));
  };

  return {
    create(tenant, decide, idempotency) {
      return commits.run((): CreateOutcome => {
        if (idempotency) {
          const prior = all<{ fingerprint: string; response: string }>(
            db.selectFrom('idempotency_keys').select(['fingerprint', 'response'])
              .where('tenant', '=', tenant).where('key', '=', idempotency.key).where('created_at', '>=', idempotency.notBefore),
          )[0];
          if (prior) {
            return prior.fingerprint === idempotency.fingerprint
              ? { kind: 'replayed', ticket: JSON.parse(prior.response) as Ticket }
              : { kind: 'key_reused' };
          }
        }
        const decision = decide();
        if (!decision.ok) return decision;
        const ticket = decision.write.ticket;
        if (ticket.externalId !== null && externalIdTaken(tenant, ticket.externalId)) {
          return { ok: false, code: 'external_id_taken', externalId: ticket.externalId };
        }
        apply(decision);
        if (idempotency) {
          run(db.insertInto('idempotency_keys')
            .values({ tenant, key: idempotency.key, fingerprint: idempotency.fingerprint, ticket_id: ticket.id, response: JSON.stringify(ticket), created_at: ticket.createdAt })
            .onConflict((oc) => oc.columns(['tenant', 'key']).doUpdateSet({ fingerprint: idempotency.fingerprint, ticket_id: ticket.id, response: JSON.stringify(ticket), created_at: ticket.createdAt })));
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
        let q = db.selectFrom('tickets').selectAll().where('tenant', '=', tenant);
        if (query.status) q = q.where('status', '=', query.status);
        if (query.type) q = q.where('type', '=', query.type);
        if (query.priority) q = q.where('priority', '=', query.priority);
        if (query.assignee) q = q.where('assignee', '=', query.assignee);
        if (query.customerId) q = q.where('customer_id', '=', query.customerId);
        if (query.tag) q = q.where(sql<boolean>`exists (select 1 from json_each(tickets.tags) where value = ${query.tag})`);
        if (query.after) {
          const { updatedAt, id } = query.after;
          q = q.where((eb) => eb.or([eb('updated_at', '<', updatedAt), eb.and([eb('updated_at', '=', updatedAt), eb('id', '<', id)])]));
        }
        const page = all<TicketRow>(q.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(query.limit)).map(rowToTicket);
        for (const event of audit(page)) run(db.insertInto('events').values(recordToRow(toRecord(event))));
        return page;
      });
    },

    async history(tenant, id) {
      const rows = all<EventRow & { seq: number }>(
        db.selectFrom('events').selectAll().where('tenant', '=', tenant).where('ticket_id', '=', id).orderBy('seq'),
      );
      return rows.length === 0 ? undefined : rows.map(rowToStoredEvent);
    },

    async pending(limit): Promise<StoredEvent[]> {
      return all<EventRow & { seq: number }>(
        db.selectFrom('events').selectAll().where('published_at', 'is', null).orderBy('seq').limit(limit),
      ).map(rowToStoredEvent);
    },

    async markPublished(seqs, at) {
      if (seqs.length === 0) return;
      await commits.run(() => {
        for (let i = 0; i < seqs.length; i += 500) {
          run(db.updateTable('events').set({ published_at: at }).where('seq', 'in', seqs.slice(i, i + 500)));
        }
      });
    },

    async backlog() {
      return Number(all<{ n: number }>(db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('published_at', 'is', null))[0]?.n ?? 0);
    },

    purgeIdempotency(before) {
      return commits.run(() => run(db.deleteFrom('idempotency_keys').where('created_at', '<', before)));
    },

    onEventsCommitted(listener) {
      listeners.push(listener);
    },

    async ping() {
      raw.prepare('SELECT 1').get();
    },

    async close() {
      await commits.flushed();
      raw.close();
    },
  };

  function externalIdTaken(tenant: string, externalId: string): boolean {
    return all(db.selectFrom('tickets').select('id').where('tenant', '=', tenant).where('external_id', '=', externalId)).length > 0;
  }
}

function toSqliteValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}
