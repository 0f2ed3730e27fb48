// The store port: what the command handler, the reads and the relay need from a durable store.
// SQLite and PostgreSQL implement it; they store, and neither decides nor encodes. test/contracts
// holds the suite both must pass.
import type { EventAction } from '../domain/events.js';
import type { Write } from '../domain/decision.js';
import type { Priority, TicketType } from '../domain/fields.js';
import type { Status, Ticket } from '../domain/ticket.js';

export type ListQuery = {
  status?: Status | undefined;
  type?: TicketType | undefined;
  priority?: Priority | undefined;
  assignee?: string | undefined;
  customerId?: string | undefined;
  tag?: string | undefined;
  /** Full-text search over title and description: every word, as a prefix, must occur. */
  search?: readonly string[] | undefined;
  /** An SLA state, or 'none' for tickets without SLA. */
  slaState?: string | undefined;
  limit: number;
  /** Keyset position: tickets strictly older (updated_at, id) than this come next. */
  after?: { updatedAt: string; id: string } | undefined;
};

/** The store cannot take work right now (locked by another process, disk full, I/O error): retry later. */
export class StoreUnavailableError extends Error {
  constructor(readonly cause: unknown) {
    super(`store unavailable: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** An event as the outbox holds it: `published` once the relay has had the stream's ack for it. */
export type StoredEvent = EventRecord & { seq: number; published: boolean };

/** An event as the outbox keeps it and the relay publishes it: stamped, encoded once. */
export type EventRecord = {
  eventId: string;
  tenant: string;
  ticketId: string | null;
  version: number | null;
  action: EventAction;
  subject: string;
  schema: string;
  correlationId: string;
  actor: string;
  occurredAt: string;
  payload: Uint8Array;
};

/** A live claim on an Idempotency-Key: the fingerprint of its request and the response it replays. */
export type PriorClaim = { fingerprint: string; response: string };

/** One decision as it is committed: the ticket write and its events, each guard checked where it is written. */
export type Commit = {
  tenant: string;
  /** How the ticket changes; absent when the events observe no single ticket (a list's audit). */
  write?: Write | undefined;
  /** The ticket the decision was made on: the write lands only if it is still at that version. */
  read?: Ticket | undefined;
  events: readonly EventRecord[];
  /** An Idempotency-Key claimed with the write, unless a live claim holds it (then nothing is written). */
  claim?: { key: string; fingerprint: string; notBefore: string; response: string } | undefined;
};

/** Whether a commit landed; when not, which guard refused it (nothing of it was written). */
export type Committed =
  | { ok: true }
  /** The ticket is no longer at the version the decision was made on (or is gone). */
  | { ok: false; reason: 'conflict' }
  /** Another ticket of the tenant holds the inserted ticket's external id. */
  | { ok: false; reason: 'external_id_taken' }
  /** A live claim on the key was committed first. */
  | { ok: false; reason: 'claimed'; prior: PriorClaim };

/** A ticket loaded for a decision; `cached` when it came from memory and may be stale. */
export type Loaded = { ticket: Ticket | undefined; cached: boolean };

export type Dashboard = {
  byStatus: Record<string, number>;
  byPriority: Record<string, number>;
  bySlaState: Record<string, number>;
  openBreaches: number;
  oldestOpen: Ticket | null;
};

export interface TicketStore {
  /** The ticket as stored; `fresh` skips any copy kept in memory. */
  load(tenant: string, id: string, fresh?: boolean): Promise<Loaded>;
  /** The tenant's ticket with this external id, as stored. */
  loadByExternalId(tenant: string, externalId: string): Promise<Ticket | undefined>;
  /** The live claim on an Idempotency-Key (created at or after `notBefore`), if any. */
  priorClaim(tenant: string, key: string, notBefore: string): Promise<PriorClaim | undefined>;
  /** Commits the write, its events and its claim atomically, or nothing when a guard refuses. */
  commit(commit: Commit): Promise<Committed>;
  /** One page of the tenant's tickets. */
  list(tenant: string, query: ListQuery): Promise<Ticket[]>;
  /** The ticket's events in order; undefined when the tenant never had that ticket. */
  history(tenant: string, id: string): Promise<StoredEvent[] | undefined>;
  /**
   * Rebuilds the tickets table from the events table in one transaction: `fold` gets each
   * ticket's events in commit order and returns its state (undefined when deleted).
   */
  rebuildTickets(fold: (events: StoredEvent[]) => Ticket | undefined): Promise<{ tickets: number; events: number }>;
  /** Every stored ticket of every tenant, ordered by tenant and id (tools and checks, not requests). */
  allTickets(): Promise<Ticket[]>;
  /** Tickets of any tenant whose next SLA threshold is at or before `now`, earliest first (an index, not a scan). */
  slaDue(now: string, limit: number): Promise<Array<{ tenant: string; id: string }>>;
  /** Counts for the dashboard. */
  dashboard(tenant: string): Promise<Dashboard>;
  /** Open tickets in one SLA state, most urgent first (next due time, then escalation, then age). */
  slaTickets(tenant: string, state: string, offset: number, limit: number): Promise<Ticket[]>;
  /** The tenant's settings (`sla`, `routing`, `severity`) as stored JSON values. */
  tenantSettings(tenant: string): Promise<Record<string, unknown>>;
  putTenantSetting(tenant: string, name: string, value: unknown, at: string): Promise<void>;
  /** Unpublished events in commit order. */
  pending(limit: number): Promise<StoredEvent[]>;
  /** `seqs`: the first events of the last `pending` batch, in its order, each acked by the stream. */
  markPublished(seqs: readonly number[], at: string): Promise<void>;
  backlog(): Promise<number>;
  purgeIdempotency(before: string): Promise<number>;
  /** Called after every commit that added events, so the relay need not wait for its poll. */
  onEventsCommitted(listener: () => void): void;
  ping(): Promise<void>;
  close(): Promise<void>;
}
