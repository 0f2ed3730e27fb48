// The SQLite store's fixed statements, each compiled and prepared once.
import type BetterSqlite3 from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import type { Database, EventRow, IdempotencyRow, TenantSettingRow, TicketRow } from '../schema.js';
import { type Slot, prepare } from './prepared.js';

const TICKET_COLUMNS = [
  'tenant',
  'id',
  'title',
  'description',
  'created_by',
  'type',
  'priority',
  'status',
  'customer_id',
  'customer_tier',
  'assignee',
  'tags',
  'external_id',
  'escalation_level',
  'github_issue',
  'sla',
  'sla_state',
  'sla_next_due_at',
  'version',
  'created_at',
  'updated_at',
  'resolved_at',
  'closed_at',
  'status_changed_at',
] as const satisfies ReadonlyArray<keyof TicketRow>;

const EVENT_COLUMNS = [
  'event_id',
  'tenant',
  'ticket_id',
  'version',
  'action',
  'subject',
  'schema',
  'correlation_id',
  'actor',
  'occurred_at',
  'payload',
] as const satisfies ReadonlyArray<keyof EventRow>;

type Key = { tenant: string; id: string };
/** The version the ticket was read at. */
type Expected = { expected: number };

export function prepareStatements(raw: BetterSqlite3.Database, db: Kysely<Database>) {
  const slots = <C extends string>(columns: readonly C[], slot: Slot) => Object.fromEntries(columns.map((c) => [c, slot(c)])) as Record<C, never>;
  const cursor = db.selectFrom('relay_cursor').select('seq').where('id', '=', 1);
  return {
    ticket: prepare<Key>(raw, (s) => db.selectFrom('tickets').selectAll().where('tenant', '=', s('tenant')).where('id', '=', s('id'))),
    insertTicket: prepare<TicketRow>(raw, (s) => db.insertInto('tickets').values(slots(TICKET_COLUMNS, s))),
    // Writes decided on a ticket as read apply only while it is still at the version read.
    updateTicket: prepare<TicketRow & Expected>(raw, (s) =>
      db
        .updateTable('tickets')
        .set(
          slots(
            TICKET_COLUMNS.filter((c) => c !== 'tenant' && c !== 'id'),
            s,
          ),
        )
        .where('tenant', '=', s('tenant'))
        .where('id', '=', s('id'))
        .where('version', '=', s('expected')),
    ),
    deleteTicket: prepare<Key & Expected>(raw, (s) =>
      db.deleteFrom('tickets').where('tenant', '=', s('tenant')).where('id', '=', s('id')).where('version', '=', s('expected')),
    ),
    ticketAtVersion: prepare<Key & Expected>(raw, (s) =>
      db.selectFrom('tickets').select('version').where('tenant', '=', s('tenant')).where('id', '=', s('id')).where('version', '=', s('expected')),
    ),
    externalIdOwner: prepare<{ tenant: string; external_id: string }>(raw, (s) =>
      db.selectFrom('tickets').select('id').where('tenant', '=', s('tenant')).where('external_id', '=', s('external_id')),
    ),
    insertEvent: prepare<Omit<EventRow, 'seq' | 'published_at'>>(raw, (s) => db.insertInto('events').values(slots(EVENT_COLUMNS, s))),
    history: prepare<Key>(raw, (s) =>
      db
        .selectFrom('events')
        .selectAll()
        .select(sql<number>`seq <= (${cursor})`.as('published'))
        .where('tenant', '=', s('tenant'))
        .where('ticket_id', '=', s('id'))
        .orderBy('seq'),
    ),
    ticketKeysWithEvents: prepare<Record<string, never>>(raw, () =>
      db.selectFrom('events').select(['tenant', 'ticket_id']).distinct().where('ticket_id', 'is not', null).orderBy('tenant').orderBy('ticket_id'),
    ),
    ticketByExternalId: prepare<{ tenant: string; external_id: string }>(raw, (s) =>
      db.selectFrom('tickets').selectAll().where('tenant', '=', s('tenant')).where('external_id', '=', s('external_id')),
    ),
    slaDue: prepare<{ now: string; limit: number }>(raw, (s) =>
      db.selectFrom('tickets').select(['tenant', 'id']).where('sla_next_due_at', '<=', s('now')).orderBy('sla_next_due_at').limit(s('limit')),
    ),
    countBy: {
      status: countBy(raw, db, 'status'),
      priority: countBy(raw, db, 'priority'),
      sla_state: countBy(raw, db, 'sla_state'),
    },
    openBreaches: prepare<{ tenant: string }>(raw, (s) =>
      db
        .selectFrom('tickets')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant', '=', s('tenant'))
        .where('sla_state', '=', 'breached')
        .where('status', 'not in', ['resolved', 'closed']),
    ),
    oldestOpen: prepare<{ tenant: string }>(raw, (s) =>
      db
        .selectFrom('tickets')
        .selectAll()
        .where('tenant', '=', s('tenant'))
        .where('status', 'not in', ['resolved', 'closed'])
        .orderBy('created_at')
        .orderBy('id')
        .limit(1),
    ),
    slaTickets: prepare<{ tenant: string; state: string; offset: number; limit: number }>(raw, (s) =>
      db
        .selectFrom('tickets')
        .selectAll()
        .where('tenant', '=', s('tenant'))
        .where('sla_state', '=', s('state'))
        .where('status', 'not in', ['resolved', 'closed'])
        .orderBy(sql`sla_next_due_at IS NULL`)
        .orderBy('sla_next_due_at')
        .orderBy('escalation_level', 'desc')
        .orderBy('created_at')
        .limit(s('limit'))
        .offset(s('offset')),
    ),
    tenantSettings: prepare<{ tenant: string }>(raw, (s) => db.selectFrom('tenant_settings').select(['name', 'value']).where('tenant', '=', s('tenant'))),
    putTenantSetting: prepare<TenantSettingRow>(raw, (s) =>
      db
        .insertInto('tenant_settings')
        .values(slots(['tenant', 'name', 'value', 'updated_at'] as const, s))
        .onConflict((oc) =>
          oc.columns(['tenant', 'name']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), updated_at: eb.ref('excluded.updated_at') })),
        ),
    ),
    deleteAllTickets: prepare<Record<string, never>>(raw, () => db.deleteFrom('tickets')),
    allTickets: prepare<Record<string, never>>(raw, () => db.selectFrom('tickets').selectAll().orderBy('tenant').orderBy('id')),
    cursor: prepare<Record<string, never>>(raw, () => cursor),
    pendingAfter: prepare<{ after: number; limit: number }>(raw, (s) =>
      db.selectFrom('events').selectAll().where('seq', '>', s('after')).orderBy('seq').limit(s('limit')),
    ),
    // Never backwards: a relay that lost a race to another one on the same file republishes nothing.
    markPublished: prepare<{ seq: number }>(raw, (s) =>
      db
        .updateTable('relay_cursor')
        .set({ seq: sql<number>`max(seq, ${s('seq')})` })
        .where('id', '=', 1),
    ),
    backlog: prepare<Record<string, never>>(raw, () =>
      db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('seq', '>', cursor),
    ),
    idempotency: prepare<{ tenant: string; key: string; not_before: string }>(raw, (s) =>
      db
        .selectFrom('idempotency_keys')
        .select(['fingerprint', 'response'])
        .where('tenant', '=', s('tenant'))
        .where('key', '=', s('key'))
        .where('created_at', '>=', s('not_before')),
    ),
    claimIdempotency: prepare<IdempotencyRow>(raw, (s) =>
      db
        .insertInto('idempotency_keys')
        .values(slots(['tenant', 'key', 'fingerprint', 'ticket_id', 'response', 'created_at'] as const, s))
        .onConflict((oc) =>
          oc.columns(['tenant', 'key']).doUpdateSet((eb) => ({
            fingerprint: eb.ref('excluded.fingerprint'),
            ticket_id: eb.ref('excluded.ticket_id'),
            response: eb.ref('excluded.response'),
            created_at: eb.ref('excluded.created_at'),
          })),
        ),
    ),
    purgeIdempotency: prepare<{ before: string }>(raw, (s) => db.deleteFrom('idempotency_keys').where('created_at', '<', s('before'))),
  };
}

function countBy(raw: BetterSqlite3.Database, db: Kysely<Database>, column: 'status' | 'priority' | 'sla_state') {
  return prepare<{ tenant: string }>(raw, (s) =>
    db
      .selectFrom('tickets')
      .select([column, (eb) => eb.fn.countAll<number>().as('n')])
      .where('tenant', '=', s('tenant'))
      .groupBy(column),
  );
}
