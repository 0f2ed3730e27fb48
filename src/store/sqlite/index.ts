// The SQLite store: one file in WAL mode, migrations at open, statements prepared once. Reads run
// on this thread; commits go in batches through the writer (writer.ts), each guarded by the version
// its decision was made on.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import type { Write } from '../../domain/decision.js';
import type { Ticket } from '../../domain/ticket.js';
import type { ConsumerStore } from '../consumerPort.js';
import { type Commit, type Committed, type EventRecord, type PriorClaim, type StoredEvent, StoreUnavailableError, type TicketStore } from '../port.js';
import { selectPage } from '../listPage.js';
import { claimToRow, recordToRow, rowToStoredEvent, rowToTicket } from '../rows.js';
import type { Database, EventRow, TicketRow } from '../schema.js';
import { applyWrite } from '../ticketWrite.js';
import { type CheckpointStats, startCheckpointer } from './checkpointer.js';
import { openConnection } from './connection.js';
import { createSqliteConsumerStore } from './consumerStore.js';
import { sqliteMigrations } from './migrations.js';
import { createOutboxTail } from './outboxTail.js';
import { dynamicQueries } from './prepared.js';
import { clearIndexSteps, fts5Query, indexSteps, reindexSteps, unindexSteps } from './search.js';
import { prepareStatements } from './statements.js';
import { createTicketCache } from './ticketCache.js';
import { type Step, createBatchRunner, isStoreWide } from './writeBatch.js';
import { type Applied, type Writer, type WriterMode, startWriter } from './writer.js';

export type SqliteOptions = {
  path: string;
  synchronous?: 'FULL' | 'NORMAL';
  busyTimeoutMs?: number;
  writer?: WriterMode;
  /** Tickets kept decoded in memory for reads (TICKET_CACHE_SIZE). */
  cachedTickets?: number;
  /** A WAL checkpoint in a thread of its own at most this often while commits come (SQLITE_CHECKPOINT_MS); 0: inside the commits, as SQLite does by default. */
  checkpointEveryMs?: number;
  /** With the checkpoint thread: the WAL size (pages) past which a commit checkpoints by itself. */
  checkpointBackstopPages?: number;
  /** A checkpoint in the thread failed (the first time, then every 100th). */
  onCheckpointFailure?: (error: string) => void;
  /**
   * Another process's writer (an API worker's primary), which has migrated the file and checkpoints
   * it: this store then only reads, and writes through that one.
   */
  sharedWriter?: Writer;
};

/** The ticket store, and the consumers' store on the same file. */
export type SqliteStore = TicketStore & {
  consumers: ConsumerStore;
  /** What the checkpoint thread has done; undefined when SQLite checkpoints inside the commits. */
  checkpoints(): CheckpointStats | undefined;
  /** The writer every commit goes through, for API workers to share (sharedWriter). */
  writer: Writer;
};

/** Committed events kept for the relay: a few rounds' worth; more only while NATS is away, and those are read from the file. */
const OUTBOX_TAIL_EVENTS = 4096;

/**
 * With the checkpoint thread, a commit checkpoints the WAL by itself past this many pages. The WAL starts over only when a commit begins while every frame is copied; commits
 * that follow each other without a gap (the writer thread under load) rarely find that moment, so
 * this is the regular way back to the start there. It stalls a commit for what the thread has not
 * copied yet, a fraction of what SQLite's own checkpoints copy.
 */
const BACKSTOP_CHECKPOINT_PAGES = 4096;

export async function openSqliteStore({
  path,
  synchronous = 'FULL',
  busyTimeoutMs = 5000,
  writer: mode,
  cachedTickets = 10_000,
  checkpointEveryMs = 100,
  checkpointBackstopPages = BACKSTOP_CHECKPOINT_PAGES,
  onCheckpointFailure,
  sharedWriter,
}: SqliteOptions): Promise<SqliteStore> {
  const inFile = path !== ':memory:';
  if (inFile) mkdirSync(dirname(path), { recursive: true });
  const checkpointer =
    inFile && checkpointEveryMs > 0 && !sharedWriter
      ? startCheckpointer({
          thread: { path, synchronous, busyTimeoutMs },
          everyMs: checkpointEveryMs,
          ...(onCheckpointFailure ? { onFailure: onCheckpointFailure } : {}),
        })
      : undefined;
  const connection = { synchronous, busyTimeoutMs, autoCheckpointPages: checkpointer ? checkpointBackstopPages : undefined };
  // This connection reads, and migrates before the writer opens its own.
  const raw = openConnection(path, connection);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  if (!sharedWriter) {
    const migrated = await new Migrator({ db, provider: { getMigrations: async () => sqliteMigrations } }).migrateToLatest();
    if (migrated.error) throw migrated.error;
  }

  const q = prepareStatements(raw, db);
  // The list query's shape depends on its filters; each distinct shape is prepared once.
  const allDynamic = dynamicQueries(raw);
  const listeners: Array<() => void> = [];
  const writer: Writer =
    sharedWriter ??
    startWriter({
      mode: inFile ? (mode ?? 'thread') : 'inline',
      db: raw,
      thread: { path, ...connection },
      onCommit: () => {
        for (const l of listeners) l();
      },
      ...(checkpointer ? { afterCommit: checkpointer.committed } : {}),
    });
  const consumers = createSqliteConsumerStore(raw, db, writer);
  // Rebuilding runs on this thread's connection, the one place that does not write through the writer.
  const local = createBatchRunner(raw);

  const cache = createTicketCache<Ticket>(cachedTickets);
  // Keyed by id alone (ids are drawn here, UUIDv7, never given by a client), the tenant checked on
  // every hit: a key made of tenant and id was a new string to build and hash on each lookup,
  // on the path every GET takes.
  /** The ticket as last written here, or read from the file; `cached` says which. */
  const loadTicket = (tenant: string, id: string): { ticket: Ticket | undefined; cached: boolean } => {
    const hit = cache.get(id);
    if (hit && hit.tenant === tenant) return { ticket: hit, cached: true };
    const row = q.ticket.get<TicketRow>({ tenant, id });
    return { ticket: row && rowToTicket(row), cached: false };
  };
  /** The cache follows every committed write. */
  const remember = (write: Write) => {
    const key = write.ticket.id;
    // A read that only recorded its event leaves the entry where it is: moving it to the back on
    // every GET made a new key and Map slot each time, garbage that outlived the young generation.
    if (write.kind === 'none' && cache.get(key) === write.ticket) return;
    if (write.kind === 'delete') cache.delete(key);
    else cache.set(key, write.ticket);
  };
  const tail = createOutboxTail<StoredEvent>(OUTBOX_TAIL_EVENTS);
  /** The steps that insert these events into the outbox, and what to do once they are committed. */
  const outboxInserts = (events: readonly EventRecord[]) => {
    const rows = events.map(recordToRow);
    return {
      steps: rows.map((row): Step => q.insertEvent.step(row, { seq: true })),
      // The relay takes them from memory rather than reading back what was just written.
      committed: (applied: Applied) => {
        // A process that shares another's writer runs no relay of its own.
        if (!sharedWriter && applied.ok && applied.seqs) tail.add(rows.map((row, i) => rowToStoredEvent(row, false, applied.seqs![i]!)));
      },
    };
  };
  /** The decision's ticket write, guarded by the version it was decided on, with the search index kept in step. */
  const ticketSteps = (write: Write, read?: Ticket): Step[] => {
    const conflict = { expect: 'changed', refuse: 'conflict' } as const;
    return applyWrite<Step[]>(write, {
      insert: (row) => [q.insertTicket.step(row), ...indexSteps(row)],
      update: (row) => [q.updateTicket.step(Object.assign(row, { expected: read!.version }), conflict), ...reindexSteps(read!, row)],
      delete: (key) => [q.deleteTicket.step({ tenant: key.tenant, id: key.id, expected: read!.version }, conflict), ...unindexSteps(key)],
      none: () => [
        q.ticketAtVersion.step({ tenant: write.ticket.tenant, id: write.ticket.id, expected: read!.version }, { expect: 'row', refuse: 'conflict' }),
      ],
    });
  };
  return {
    consumers: consumers.store,

    async load(tenant, id, fresh) {
      if (fresh) cache.delete(id);
      return loadTicket(tenant, id);
    },

    async loadByExternalId(tenant, externalId) {
      const row = q.ticketByExternalId.get<TicketRow>({ tenant, external_id: externalId });
      return row && rowToTicket(row);
    },

    async priorClaim(tenant, key, notBefore) {
      return q.idempotency.get<PriorClaim>({ tenant, key, not_before: notBefore });
    },

    async commit({ tenant, write, read, events, claim }: Commit): Promise<Committed> {
      const steps: Step[] = [];
      // Checked again where it is written: a request in the same batch may have claimed the key.
      if (claim) steps.push(q.idempotency.step({ tenant, key: claim.key, not_before: claim.notBefore }, { expect: 'none', refuse: 'claimed' }));
      if (write?.kind === 'insert' && write.ticket.externalId !== null) {
        steps.push(q.externalIdOwner.step({ tenant, external_id: write.ticket.externalId }, { expect: 'none', refuse: 'external_id_taken' }));
      }
      if (write) steps.push(...ticketSteps(write, read));
      const outbox = outboxInserts(events);
      steps.push(...outbox.steps);
      if (claim && write) {
        steps.push(q.claimIdempotency.step(claimToRow(tenant, claim, write.ticket)));
      }
      const applied = await writer.write({ steps }, events.length > 0);
      outbox.committed(applied);
      if (applied.ok) {
        // A new ticket is not cached: under a create load each would outlive the young generation
        // and die in the old one as the cache turned over. Its first read caches it.
        if (write && write.kind !== 'insert') remember(write);
        return { ok: true };
      }
      if (write) cache.delete(write.ticket.id);
      switch (applied.refused) {
        case 'claimed':
          return { ok: false, reason: 'claimed', prior: applied.row as PriorClaim };
        case 'external_id_taken':
          return { ok: false, reason: 'external_id_taken' };
        default:
          return { ok: false, reason: 'conflict' };
      }
    },

    async list(tenant, query) {
      return allDynamic<TicketRow>(
        selectPage(db, tenant, query, {
          hasTag: (tag) => sql<boolean>`exists (select 1 from json_each(tickets.tags) where value = ${tag})`,
          matches: (words) =>
            sql<boolean>`tickets.id in (select k.id from tickets_fts f join ticket_search_keys k on k.k = f.rowid where tickets_fts match ${fts5Query(words)} and k.tenant = ${tenant})`,
        }),
      ).map(rowToTicket);
    },

    async history(tenant, id) {
      const rows = q.history.all<EventRow & { seq: number; published: number }>({ tenant, id });
      return rows.length === 0 ? undefined : rows.map((r) => rowToStoredEvent(r, r.published === 1, r.seq));
    },

    async rebuildTickets(fold) {
      await writer.flushed();
      cache.clear();
      // On this connection, in one transaction: the writer thread waits for the lock meanwhile.
      const rebuild = raw.transaction(() => {
        local.apply({ steps: [q.deleteAllTickets.step({}), ...clearIndexSteps] });
        let tickets = 0;
        let events = 0;
        for (const { tenant, ticket_id: id } of q.ticketKeysWithEvents.all<{ tenant: string; ticket_id: string }>({})) {
          const history = q.history
            .all<EventRow & { seq: number; published: number }>({ tenant, id })
            .map((r) => rowToStoredEvent(r, r.published === 1, r.seq));
          events += history.length;
          const ticket = fold(history);
          if (!ticket) continue;
          local.apply({ steps: ticketSteps({ kind: 'insert', ticket }) });
          tickets += 1;
        }
        return { tickets, events };
      });
      try {
        return rebuild.immediate();
      } catch (error) {
        throw isStoreWide(error) ? new StoreUnavailableError(error) : error;
      }
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
      await writer.write({ steps: [q.putTenantSetting.step({ tenant, name, value: JSON.stringify(value), updated_at: at })] });
    },

    async allTickets() {
      return q.allTickets.all<TicketRow>({}).map(rowToTicket);
    },

    async pending(limit): Promise<StoredEvent[]> {
      const cursor = q.cursor.get<{ seq: number }>({})?.seq;
      if (cursor === undefined) throw new StoreUnavailableError(new Error('relay_cursor has no row'));
      const fromMemory = tail.after(cursor, limit);
      if (fromMemory.length === limit) return fromMemory;
      // What memory does not hold (another process's events, or the tail was trimmed) comes from the file.
      const after = fromMemory.length > 0 ? fromMemory[fromMemory.length - 1]!.seq : cursor;
      const fromFile = q.pendingAfter
        .all<EventRow & { seq: number }>({ after, limit: limit - fromMemory.length })
        .map((r) => rowToStoredEvent(r, false, r.seq));
      return fromMemory.length > 0 ? [...fromMemory, ...fromFile] : fromFile;
    },

    async markPublished(seqs) {
      // The relay publishes a prefix of `pending` in seq order, so the last seq marks them all.
      if (seqs.length === 0) return;
      const applied = await writer.write({ steps: [q.markPublished.step({ seq: seqs[seqs.length - 1]! }, { expect: 'changed', refuse: 'no cursor' })] });
      if (!applied.ok) throw new StoreUnavailableError(new Error('relay_cursor has no row'));
    },

    async backlog() {
      return Number(q.backlog.get<{ n: number }>({})?.n ?? 0);
    },

    async purgeIdempotency(before) {
      const applied = await writer.write({ steps: [q.purgeIdempotency.step({ before })] });
      return applied.ok ? applied.changes : 0;
    },

    onEventsCommitted(listener) {
      listeners.push(listener);
    },

    async ping() {
      raw.prepare('SELECT 1').get();
    },

    checkpoints: () => checkpointer?.stats(),
    writer,

    async close() {
      await writer.close();
      // Before the last connection closes: that one checkpoints what is left and removes the WAL.
      await checkpointer?.stop();
      raw.close();
    },
  };
}
