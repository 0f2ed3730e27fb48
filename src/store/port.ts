// The store port: what the API and the relay need from a durable store. SQLite and
// PostgreSQL implement it; test/contracts holds the suite both must pass.
import type { DomainEvent } from '../domain/events.js';
import type { Decision, Priority, Refusal, Status, Ticket, TicketType } from '../domain/ticket.js';
import type { EventRecord } from '../events/record.js';

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

export type IdempotencyClaim = {
  key: string;
  /** Hash of the request body: the same key with another body is refused. */
  fingerprint: string;
  /** Claims created before this instant have expired and no longer replay. */
  notBefore: string;
};

export type CreateOutcome =
  | { kind: 'created'; ticket: Ticket }
  | { kind: 'replayed'; ticket: Ticket }
  | { kind: 'key_reused' }
  | Refusal;

export type ChangeOutcome = { kind: 'done'; ticket: Ticket; deleted: boolean } | Refusal;

/** An import by external id: created, changed, or already as given. */
export type UpsertOutcome = { kind: 'created' | 'updated' | 'unchanged'; ticket: Ticket } | Refusal;

export type Dashboard = {
  byStatus: Record<string, number>;
  byPriority: Record<string, number>;
  bySlaState: Record<string, number>;
  openBreaches: number;
  oldestOpen: Ticket | null;
};

export interface TicketStore {
  /** Runs the decision and commits the new ticket with its events (and idempotency claim) atomically. */
  create(tenant: string, decide: () => Decision, idempotency?: IdempotencyClaim): Promise<CreateOutcome>;
  /** Loads the ticket, runs decide on it and commits the outcome with its events atomically. */
  change(tenant: string, id: string, decide: (current: Ticket) => Decision): Promise<ChangeOutcome>;
  /** Finds the ticket by external id (undefined when none), runs decide and commits the outcome with its events. */
  upsertByExternalId(tenant: string, externalId: string, decide: (current: Ticket | undefined) => Decision): Promise<UpsertOutcome>;
  /** Lists a page and commits the audit events the page raises in the same transaction. */
  list(tenant: string, query: ListQuery, audit: (page: Ticket[]) => DomainEvent[]): Promise<Ticket[]>;
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
