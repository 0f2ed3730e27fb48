// The consumers' store port: what audit, notify and the consumer runtime need from a durable store,
// kept apart from the ticket store so each adapter (SQLite, PostgreSQL) can grow it on its own.

/** One audit log entry: who did what to which ticket, when, under which correlation id. */
export type AuditEntry = {
  eventId: string;
  tenant: string;
  ticketId: string | null;
  ticketVersion: number | null;
  actor: string;
  action: string;
  subject: string;
  correlationId: string;
  occurredAt: string;
  recordedAt: string;
  /** What else the event says: changed fields, transition, notification, listing. */
  detail: Record<string, unknown>;
};

export type AuditRecord = AuditEntry & { seq: number };

export type AuditQuery = {
  ticketId?: string | undefined;
  actor?: string | undefined;
  /** RFC 3339 UTC: entries whose event occurred at or after this instant. */
  since?: string | undefined;
  limit: number;
  /** Keyset position: entries recorded before this sequence number come next (newest first). */
  beforeSeq?: number | undefined;
};

/** A tenant's webhook target. The secret signs deliveries and never leaves the service. */
export type Webhook = {
  tenant: string;
  id: string;
  name: string;
  url: string;
  events: string[];
  secret: string;
  createdAt: string;
};

/** A tenant's automation rule as stored: `rule` is its validated definition, parsed again when read. */
export type StoredAutomation = {
  tenant: string;
  id: string;
  position: number;
  enabled: boolean;
  /** A time rule (`when.idle`). */
  idle: boolean;
  rule: unknown;
  createdAt: string;
  updatedAt: string;
};

export type NotificationClaim = {
  tenant: string;
  ticketId: string;
  reason: string;
  eventId: string;
  at: string;
  /** A claim for the same ticket and reason made before this instant no longer holds the notification back. */
  notBefore: string;
};

export interface ConsumerStore {
  /** Whether `consumer` already handled the event (redelivery, replay, DLQ re-drive). */
  isProcessed(consumer: string, eventId: string): Promise<boolean>;
  markProcessed(consumer: string, eventId: string, at: string): Promise<void>;
  /** Appends the entry unless the event is already in the log; true when it was added. */
  appendAudit(entry: AuditEntry): Promise<boolean>;
  /** The tenant's audit log, newest first. */
  audit(tenant: string, query: AuditQuery): Promise<AuditRecord[]>;
  addWebhook(hook: Webhook): Promise<void>;
  webhooks(tenant: string): Promise<Webhook[]>;
  deleteWebhook(tenant: string, id: string): Promise<boolean>;
  /**
   * Takes the right to notify about a ticket for a reason: true when no other event claimed it
   * since `notBefore` (a retry of the claiming event keeps its claim), false when it is a duplicate.
   */
  claimNotification(claim: NotificationClaim): Promise<boolean>;
  /** The tenant's automation rules in running order: position, then creation. */
  automations(tenant: string): Promise<StoredAutomation[]>;
  /** Every tenant's enabled time rules, for the idle scan. */
  idleAutomations(): Promise<StoredAutomation[]>;
  /** Adds the rule or replaces the one with its id. */
  putAutomation(rule: StoredAutomation): Promise<void>;
  deleteAutomation(tenant: string, id: string): Promise<boolean>;
}
