// The PostgreSQL store: a connection pool, migrations on first use, one transaction per command,
// the ticket row locked for every change, LISTEN/NOTIFY to wake relays in any process.
//
// Relay order. `seq` comes from a sequence when an event row is inserted, not when its transaction
// commits, so a transaction holding seq 10 may commit after another holding seq 11, and a relay can
// publish 11 before 10 is visible. Nothing is lost: the relay reads `published_at IS NULL ORDER BY
// seq`, not "after the last seq seen", so 10 goes out as soon as it commits. And each ticket keeps
// its version order: every change of a ticket first locks its row (`SELECT … FOR UPDATE`), so the
// next change of that ticket can only insert its events, and draw its seqs, after the previous
// change committed; the ticket's events are therefore visible in seq order, and the relay publishes
// them in that order. Only events of different tickets may go out in another order than their seqs.
import { Kysely, PostgresDialect, type Transaction, sql } from 'kysely';
import type { Logger } from 'pino';
import type { DomainEvent } from '../../domain/events.js';
import type { Decision, Ticket } from '../../domain/ticket.js';
import { toRecord } from '../../events/record.js';
import type { ConsumerStore } from '../consumerPort.js';
import { outcomeOfPriorClaim } from '../idempotency.js';
import { selectPage } from '../listPage.js';
import { type CreateOutcome, type IdempotencyClaim, type StoredEvent, StoreUnavailableError, type TicketStore, type UpsertOutcome } from '../port.js';
import { recordToRow, rowToStoredEvent, rowToTicket, ticketToRow } from '../rows.js';
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

/** A live claim on the key was committed by a concurrent request after this one looked: look again. */
class ClaimTaken extends Error {}

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
  const committed = () => listeners.forEach((l) => l());

  const appendEvents = async (trx: Kysely<Database>, events: DomainEvent[]): Promise<number> => {
    if (events.length === 0) return 0;
    await trx.insertInto('events').values(events.map((e) => recordToRow(toRecord(e)))).execute();
    return events.length;
  };
  const apply = async (trx: Tx, decision: Extract<Decision, { ok: true }>): Promise<number> => {
    await applyWrite<Promise<unknown>>(decision.write, {
      insert: (row) => trx.insertInto('tickets').values(row).execute(),
      update: ({ tenant, id, ...rest }) => trx.updateTable('tickets').set(rest).where('tenant', '=', tenant).where('id', '=', id).execute(),
      delete: ({ tenant, id }) => trx.deleteFrom('tickets').where('tenant', '=', tenant).where('id', '=', id).execute(),
      none: async () => undefined,
    });
    return appendEvents(trx, decision.events);
  };

  const createOnce = (tenant: string, decide: () => Decision, claim: IdempotencyClaim | undefined) =>
    tx(async (trx): Promise<CreateOutcome> => {
      if (claim) {
        const prior = await trx.selectFrom('idempotency_keys').select(['fingerprint', 'response'])
          .where('tenant', '=', tenant).where('key', '=', claim.key).where('created_at', '>=', claim.notBefore)
          .executeTakeFirst();
        if (prior) return outcomeOfPriorClaim(prior, claim);
      }
      const decision = decide();
      if (!decision.ok) return decision;
      const ticket = decision.write.ticket;
      try {
        await apply(trx, decision);
      } catch (error) {
        if (violatedConstraint(error) === 'tickets_by_external_id' && ticket.externalId !== null) {
          // Another request (maybe on another replica) committed this external id first. The
          // violation has aborted the transaction: leave it by throwing, answer the refusal outside.
          throw new ExternalIdTaken(ticket.externalId);
        }
        throw error;
      }
      if (claim) {
        // Takes a free or expired key; a live claim committed meanwhile by a concurrent request
        // (this insert waited for it) leaves no row, and the command runs again to replay it.
        const claimed = await trx.insertInto('idempotency_keys')
          .values({ tenant, key: claim.key, fingerprint: claim.fingerprint, ticket_id: ticket.id, response: JSON.stringify(ticket), created_at: ticket.createdAt })
          .onConflict((oc) => oc.columns(['tenant', 'key'])
            .doUpdateSet((eb) => ({
              fingerprint: eb.ref('excluded.fingerprint'),
              ticket_id: eb.ref('excluded.ticket_id'),
              response: eb.ref('excluded.response'),
              created_at: eb.ref('excluded.created_at'),
            }))
            .where('idempotency_keys.created_at', '<', claim.notBefore))
          .returning('key')
          .executeTakeFirst();
        if (!claimed) throw new ClaimTaken();
      }
      return { kind: 'created', ticket };
    });

  const history = (trx: Kysely<Database>, tenant: string, id: string) =>
    trx.selectFrom('events').selectAll().where('tenant', '=', tenant).where('ticket_id', '=', id).orderBy('seq').execute();

  return {
    consumers: createPostgresConsumerStore(db, guard),

    async create(tenant, decide, idempotency) {
      for (let attempt = 1; ; attempt++) {
        try {
          const outcome = await createOnce(tenant, decide, idempotency);
          if ('kind' in outcome && outcome.kind === 'created') committed();
          return outcome;
        } catch (error) {
          if (error instanceof ExternalIdTaken) return { ok: false, code: 'external_id_taken', externalId: error.externalId };
          if (error instanceof ClaimTaken && attempt < 3) continue;
          throw error;
        }
      }
    },

    async change(tenant, id, decide) {
      let added = 0;
      const outcome = await tx(async (trx) => {
        // The row lock serializes every change of this ticket across connections and replicas.
        const row = await trx.selectFrom('tickets').selectAll().where('tenant', '=', tenant).where('id', '=', id).forUpdate().executeTakeFirst();
        if (!row) return { ok: false as const, code: 'not_found' as const };
        const decision = decide(rowToTicket(row));
        if (!decision.ok) return decision;
        added = await apply(trx, decision);
        return { kind: 'done' as const, ticket: decision.write.ticket, deleted: decision.write.kind === 'delete' };
      });
      if (added > 0) committed();
      return outcome;
    },

    async upsertByExternalId(tenant, externalId, decide) {
      for (let attempt = 1; ; attempt++) {
        let added = 0;
        try {
          const outcome = await tx(async (trx): Promise<UpsertOutcome> => {
            const row = await trx.selectFrom('tickets').selectAll().where('tenant', '=', tenant).where('external_id', '=', externalId).forUpdate().executeTakeFirst();
            const decision = decide(row && rowToTicket(row));
            if (!decision.ok) return decision;
            added = await apply(trx, decision);
            const kind = decision.write.kind === 'insert' ? 'created' : decision.write.kind === 'none' ? 'unchanged' : 'updated';
            return { kind, ticket: decision.write.ticket };
          });
          if (added > 0) committed();
          return outcome;
        } catch (error) {
          // Another replica inserted this external id meanwhile: run again, now as an update.
          if (violatedConstraint(error) === 'tickets_by_external_id' && attempt < 3) continue;
          throw error;
        }
      }
    },

    async list(tenant, query, audit) {
      const page = await guard(async () => (await selectPage(db, tenant, query, {
        hasTag: (tag) => sql<boolean>`tickets.tags ? ${tag}`,
        matches: (words) => sql<boolean>`tickets.search @@ to_tsquery('simple', ${tsQuery(words)})`,
      }).execute()).map(rowToTicket));
      // One statement: the audit events commit together or not at all.
      if ((await guard(() => appendEvents(db, audit(page)))) > 0) committed();
      return page;
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
        const keys = await trx.selectFrom('events').select(['tenant', 'ticket_id']).distinct()
          .where('ticket_id', 'is not', null).orderBy('tenant').orderBy('ticket_id').execute();
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
      return guard(() => db.selectFrom('tickets').select(['tenant', 'id']).where('sla_next_due_at', '<=', now).orderBy('sla_next_due_at').limit(limit).execute());
    },

    async dashboard(tenant) {
      return guard(async () => {
        const countBy = async (column: 'status' | 'priority' | 'sla_state') => {
          const rows = await db.selectFrom('tickets').select([column, (eb) => eb.fn.countAll<string>().as('n')]).where('tenant', '=', tenant).groupBy(column).execute();
          return Object.fromEntries(rows.map((r) => [String((r as Record<string, unknown>)[column] ?? 'none'), Number(r.n)]));
        };
        const open = db.selectFrom('tickets').where('tenant', '=', tenant).where('status', 'not in', ['resolved', 'closed']);
        const breaches = await open.select((eb) => eb.fn.countAll<string>().as('n')).where('sla_state', '=', 'breached').executeTakeFirst();
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
      const rows = await guard(() => db.selectFrom('tickets').selectAll().where('tenant', '=', tenant).where('sla_state', '=', state)
        .where('status', 'not in', ['resolved', 'closed'])
        .orderBy(sql`sla_next_due_at ASC NULLS LAST`).orderBy('escalation_level', 'desc').orderBy('created_at')
        .limit(limit).offset(offset).execute());
      return rows.map(rowToTicket);
    },

    async tenantSettings(tenant) {
      const rows = await guard(() => db.selectFrom('tenant_settings').select(['name', 'value']).where('tenant', '=', tenant).execute());
      return Object.fromEntries(rows.map((r) => [r.name, JSON.parse(r.value) as unknown]));
    },

    async putTenantSetting(tenant, name, value, at) {
      await guard(() => db.insertInto('tenant_settings').values({ tenant, name, value: JSON.stringify(value), updated_at: at })
        .onConflict((oc) => oc.columns(['tenant', 'name']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), updated_at: eb.ref('excluded.updated_at') })))
        .execute());
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
      await guard(() => db.updateTable('events').set({ published_at: at }).where('seq', '=', sql<number>`any(${[...seqs]}::bigint[])`).execute());
    },

    async backlog() {
      const row = await guard(() => db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).where('published_at', 'is', null).executeTakeFirst());
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

/** The external id belongs to a ticket another transaction committed first. */
class ExternalIdTaken extends Error {
  constructor(readonly externalId: string) {
    super(`external id ${externalId} is taken`);
  }
}
