// The PostgreSQL store: a connection pool, migrations on first use, one transaction per command,
// the ticket row locked for every change, LISTEN/NOTIFY to wake relays in any process.
//
// Relay order. `seq` comes from a sequence when an event row is inserted, not when its transaction
// commits, so a transaction holding seq 10 may commit after another holding seq 11, and a relay can
// publish 11 before 10 is visible. Nothing is lost: the relay reads `published_at IS NULL ORDER BY
// seq`, not "after the last seq seen", so 10 goes out as soon as it commits. And each ticket keeps
// its version order: every commit on a ticket first writes (or, for a read, share-locks) its row,
// guarded by the version its decision was made on, so the next commit on that ticket waits for the
// row, then finds the version moved and is decided again; its events draw their seqs only after
// the previous change committed; the ticket's events are therefore visible in seq order, and the relay publishes
// them in that order. Only events of different tickets may go out in another order than their seqs.
import { Kysely, PostgresDialect, type Transaction, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Write } from '../../domain/decision.js';
import type { Ticket } from '../../domain/ticket.js';
import type { ConsumerStore } from '../consumerPort.js';
import { selectPage } from '../listPage.js';
import { type Commit, type Committed, type EventRecord, type StoredEvent, StoreUnavailableError, type TicketStore } from '../port.js';
import { claimToRow, recordToRow, rowToStoredEvent, rowToTicket, ticketToRow } from '../rows.js';
import type { Database } from '../schema.js';
import { applyWrite } from '../ticketWrite.js';
import { type ConnectionOptions, createPool, isStoreWide, violatedConstraint } from './connection.js';
import { listenForNotifications } from './listen.js';
import type { Sessions } from './sessions.js';
import { EVENTS_CHANNEL } from './migrations.js';
import { createPostgresConsumerStore } from './consumerStore.js';
import { createSchemaGate } from './schemaGate.js';

export type PostgresOptions = ConnectionOptions & { log?: Logger | undefined };

type Tx = Transaction<Database>;

/** A guard refused the commit: the transaction rolls back and the commit answers this. */
class Refused extends Error {
  constructor(readonly outcome: Exclude<Committed, { ok: true }>) {
    super(`commit refused: ${outcome.reason}`);
  }
}

/** The ticket store, and the consumers' store on the same pool. */
export type PostgresStore = TicketStore & { consumers: ConsumerStore };

export async function openPostgresStore({ log, ...connection }: PostgresOptions): Promise<PostgresStore> {
  const pool = createPool(connection, (error) => log?.warn({ operation: 'store', err: error }, 'an idle PostgreSQL connection failed'));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const schema = createSchemaGate(db);
  // A database that is down at start does not stop the process: commands answer 503 until it is back.
  await schema.ready().catch((error: unknown) => log?.warn({ operation: 'store', err: error }, 'PostgreSQL not ready at start; retrying on use'));

  /** Runs work against a migrated database; a failing database becomes StoreUnavailableError. */
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      await schema.ready();
      return await work();
    } catch (error) {
      throw isStoreWide(error) ? new StoreUnavailableError(error) : error;
    }
  };
  const tx = <T>(work: (trx: Tx) => Promise<T>) => guard(() => db.transaction().execute(work));

  const listeners: Array<() => void> = [];
  let listening: Sessions | undefined;
  const committed = () => {
    for (const l of listeners) l();
  };

  const appendEvents = async (trx: Kysely<Database>, events: readonly EventRecord[]): Promise<void> => {
    if (events.length > 0) await trx.insertInto('events').values(events.map(recordToRow)).execute();
  };
  /** The write, guarded by the version it was decided on; a refusal rolls the transaction back. */
  const writeTicket = async (trx: Tx, write: Write, read: Ticket | undefined): Promise<void> => {
    const conflict = () => new Refused({ ok: false, reason: 'conflict' });
    const expected = read?.version ?? -1;
    await applyWrite<Promise<void>>(write, {
      insert: async (row) => {
        try {
          await trx.insertInto('tickets').values(row).execute();
        } catch (error) {
          // Another request (maybe on another replica) committed this external id first.
          if (violatedConstraint(error) === 'tickets_by_external_id') throw new Refused({ ok: false, reason: 'external_id_taken' });
          throw error;
        }
      },
      update: async ({ tenant, id, ...rest }) => {
        const updated = await trx
          .updateTable('tickets')
          .set(rest)
          .where('tenant', '=', tenant)
          .where('id', '=', id)
          .where('version', '=', expected)
          .executeTakeFirst();
        if (updated.numUpdatedRows === 0n) throw conflict();
      },
      delete: async ({ tenant, id }) => {
        const deleted = await trx.deleteFrom('tickets').where('tenant', '=', tenant).where('id', '=', id).where('version', '=', expected).executeTakeFirst();
        if (deleted.numDeletedRows === 0n) throw conflict();
      },
      none: async () => {
        // A read's event: the row is share-locked so a concurrent change commits before or after it, not between.
        const row = await trx
          .selectFrom('tickets')
          .select('id')
          .where('tenant', '=', write.ticket.tenant)
          .where('id', '=', write.ticket.id)
          .where('version', '=', expected)
          .forShare()
          .executeTakeFirst();
        if (!row) throw conflict();
      },
    });
  };
  const commitOnce = ({ tenant, write, read, events, claim }: Commit) =>
    tx(async (trx) => {
      if (write) await writeTicket(trx, write, read);
      await appendEvents(trx, events);
      if (claim && write) {
        // Takes a free or expired key; a live claim committed meanwhile by a concurrent request
        // (this insert waited for it) leaves no row, and the commit is refused with that claim.
        const claimed = await trx
          .insertInto('idempotency_keys')
          .values(claimToRow(tenant, claim, write.ticket))
          .onConflict((oc) =>
            oc
              .columns(['tenant', 'key'])
              .doUpdateSet((eb) => ({
                fingerprint: eb.ref('excluded.fingerprint'),
                ticket_id: eb.ref('excluded.ticket_id'),
                response: eb.ref('excluded.response'),
                created_at: eb.ref('excluded.created_at'),
              }))
              .where('idempotency_keys.created_at', '<', claim.notBefore),
          )
          .returning('key')
          .executeTakeFirst();
        if (!claimed) throw new Refused({ ok: false, reason: 'conflict' });
      }
    });
  const priorClaim = (tenant: string, key: string, notBefore: string) =>
    guard(() =>
      db
        .selectFrom('idempotency_keys')
        .select(['fingerprint', 'response'])
        .where('tenant', '=', tenant)
        .where('key', '=', key)
        .where('created_at', '>=', notBefore)
        .executeTakeFirst(),
    );

  const history = (trx: Kysely<Database>, tenant: string, id: string) =>
    trx.selectFrom('events').selectAll().where('tenant', '=', tenant).where('ticket_id', '=', id).orderBy('seq').execute();

  return {
    consumers: createPostgresConsumerStore(db, guard),

    async load(tenant, id) {
      const row = await guard(() => db.selectFrom('tickets').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst());
      return { ticket: row && rowToTicket(row), cached: false };
    },

    async loadByExternalId(tenant, externalId) {
      const row = await guard(() => db.selectFrom('tickets').selectAll().where('tenant', '=', tenant).where('external_id', '=', externalId).executeTakeFirst());
      return row && rowToTicket(row);
    },

    priorClaim,

    async commit(commit) {
      try {
        await commitOnce(commit);
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        if (error.outcome.reason !== 'conflict' || !commit.claim) return error.outcome;
        // The key's live claim was committed by a concurrent request: this create replays it.
        const prior = await priorClaim(commit.tenant, commit.claim.key, commit.claim.notBefore);
        return prior ? { ok: false, reason: 'claimed', prior } : error.outcome;
      }
      if (commit.events.length > 0) committed();
      return { ok: true };
    },

    async list(tenant, query) {
      return guard(async () =>
        (
          await selectPage(db, tenant, query, {
            hasTag: (tag) => sql<boolean>`tickets.tags ? ${tag}`,
            matches: (words) => sql<boolean>`tickets.search @@ to_tsquery('simple', ${tsQuery(words)})`,
          }).execute()
        ).map(rowToTicket),
      );
    },

    async history(tenant, id) {
      const rows = await guard(() => history(db, tenant, id));
      return rows.length === 0 ? undefined : rows.map((r) => rowToStoredEvent(r, r.published_at !== null, r.seq));
    },

    rebuildTickets(fold) {
      return tx(async (trx) => {
        // Writers wait for the rebuild; readers of the events table do not.
        await sql`LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE`.execute(trx);
        await sql`LOCK TABLE events IN EXCLUSIVE MODE`.execute(trx);
        await trx.deleteFrom('tickets').execute();
        const keys = await trx
          .selectFrom('events')
          .select(['tenant', 'ticket_id'])
          .distinct()
          .where('ticket_id', 'is not', null)
          .orderBy('tenant')
          .orderBy('ticket_id')
          .execute();
        let tickets = 0;
        let events = 0;
        for (const { tenant, ticket_id: id } of keys) {
          const stored = (await history(trx, tenant, id!)).map((r) => rowToStoredEvent(r, r.published_at !== null, r.seq));
          events += stored.length;
          const ticket = fold(stored);
          if (!ticket) continue;
          await trx.insertInto('tickets').values(ticketToRow(ticket)).execute();
          tickets += 1;
        }
        return { tickets, events };
      });
    },

    async slaDue(now, limit) {
      return guard(() =>
        db.selectFrom('tickets').select(['tenant', 'id']).where('sla_next_due_at', '<=', now).orderBy('sla_next_due_at').limit(limit).execute(),
      );
    },

    async dashboard(tenant) {
      return guard(async () => {
        const countBy = async (column: 'status' | 'priority' | 'sla_state') => {
          const rows = await db
            .selectFrom('tickets')
            .select([column, (eb) => eb.fn.countAll<string>().as('n')])
            .where('tenant', '=', tenant)
            .groupBy(column)
            .execute();
          return Object.fromEntries(rows.map((r) => [String((r as Record<string, unknown>)[column] ?? 'none'), Number(r.n)]));
        };
        const open = db.selectFrom('tickets').where('tenant', '=', tenant).where('status', 'not in', ['resolved', 'closed']);
        const breaches = await open
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('sla_state', '=', 'breached')
          .executeTakeFirst();
        const oldest = await open.selectAll().orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
        return {
          byStatus: await countBy('status'),
          byPriority: await countBy('priority'),
          bySlaState: await countBy('sla_state'),
          openBreaches: Number(breaches?.n ?? 0),
          oldestOpen: oldest ? rowToTicket(oldest) : null,
        };
      });
    },

    async slaTickets(tenant, state, offset, limit) {
      const rows = await guard(() =>
        db
          .selectFrom('tickets')
          .selectAll()
          .where('tenant', '=', tenant)
          .where('sla_state', '=', state)
          .where('status', 'not in', ['resolved', 'closed'])
          .orderBy(sql`sla_next_due_at ASC NULLS LAST`)
          .orderBy('escalation_level', 'desc')
          .orderBy('created_at')
          .limit(limit)
          .offset(offset)
          .execute(),
      );
      return rows.map(rowToTicket);
    },

    async tenantSettings(tenant) {
      const rows = await guard(() => db.selectFrom('tenant_settings').select(['name', 'value']).where('tenant', '=', tenant).execute());
      return Object.fromEntries(rows.map((r) => [r.name, JSON.parse(r.value) as unknown]));
    },

    async putTenantSetting(tenant, name, value, at) {
      await guard(() =>
        db
          .insertInto('tenant_settings')
          .values({ tenant, name, value: JSON.stringify(value), updated_at: at })
          .onConflict((oc) =>
            oc.columns(['tenant', 'name']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), updated_at: eb.ref('excluded.updated_at') })),
          )
          .execute(),
      );
    },

    async allTickets(): Promise<Ticket[]> {
      const rows = await guard(() => db.selectFrom('tickets').selectAll().orderBy('tenant').orderBy('id').execute());
      return rows.map(rowToTicket);
    },

    async pending(limit): Promise<StoredEvent[]> {
      const rows = await guard(() => db.selectFrom('events').selectAll().where('published_at', 'is', null).orderBy('seq').limit(limit).execute());
      return rows.map((r) => rowToStoredEvent(r, r.published_at !== null, r.seq));
    },

    async markPublished(seqs, at) {
      if (seqs.length === 0) return;
      await guard(() =>
        db
          .updateTable('events')
          .set({ published_at: at })
          .where('seq', '=', sql<number>`any(${[...seqs]}::bigint[])`)
          .execute(),
      );
    },

    async backlog() {
      const row = await guard(() =>
        db
          .selectFrom('events')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('published_at', 'is', null)
          .executeTakeFirst(),
      );
      return Number(row?.n ?? 0);
    },

    async purgeIdempotency(before) {
      const result = await guard(() => db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst());
      return Number(result.numDeletedRows);
    },

    onEventsCommitted(listener) {
      listeners.push(listener);
      listening ??= listenForNotifications(connection, EVENTS_CHANNEL, committed, { log });
    },

    async ping() {
      await guard(() => sql`SELECT 1`.execute(db));
    },

    async close() {
      await listening?.stop();
      await db.destroy();
    },
  };
}

/** to_tsquery text: every word a quoted prefix (quotes keep operators typed by users as text), all required. */
function tsQuery(words: readonly string[]): string {
  return words.map((w) => `'${w.replaceAll("'", "''").replaceAll('\\', '\\\\')}':*`).join(' & ');
}
