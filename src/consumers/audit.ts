// The audit consumer: every event of the stream becomes one row of the append-only audit log.
// A replay (redelivery, a recreated durable, `dlq replay`) adds nothing: one row per event id.
import type { AuditEntry, ConsumerStore } from '../store/consumerPort.js';
import type { ConsumedEvent } from './consumedEvent.js';
import type { ConsumerDefinition } from './runtime.js';

export function auditConsumer(store: ConsumerStore, now: () => Date): ConsumerDefinition {
  return {
    name: 'audit',
    subscriptions: [{ durable: 'audit' }],
    async handle(event) {
      await store.appendAudit(auditEntry(event, now().toISOString()));
    },
  };
}

/** Who did what to which ticket, when; the rest of what the event says goes into `detail`. */
export function auditEntry(event: ConsumedEvent, recordedAt: string): AuditEntry {
  const detail: Record<string, unknown> = {};
  if (event.changedFields.length > 0) detail.changed_fields = event.changedFields;
  if (event.transition) detail.transition = event.transition;
  if (event.notification) detail.notification = event.notification;
  if (event.listing) detail.listing = event.listing;
  return {
    eventId: event.eventId,
    tenant: event.tenant,
    ticketId: event.ticket?.id ?? null,
    ticketVersion: event.ticket?.version ?? null,
    actor: event.meta.actor,
    action: event.meta.action || (event.subject.split('.').pop() ?? ''),
    subject: event.subject,
    correlationId: event.meta.correlationId,
    occurredAt: event.meta.occurredAt,
    recordedAt,
    detail,
  };
}
