// What a live-alert client receives for one event: JSON, decoded once and shared by the tenant's clients.
import { type DecodedEvent, type EventMeta, decodeWithMeta } from '../../events/record.js';
import { attachmentJson, commentJson, ticketJson } from '../../http/representation.js';

/** `staffOnly`: an internal comment, which customers never receive. */
export type LiveEvent = { text: string; eventId: string; tenant: string; customerId: string | null; staffOnly: boolean };

/** Undefined when the payload is not one of our events. */
export function liveEvent(subject: string, payload: Uint8Array): LiveEvent | undefined {
  let decoded: DecodedEvent & { meta: EventMeta };
  try {
    decoded = decodeWithMeta(payload);
  } catch {
    return undefined;
  }
  const { meta, ticket } = decoded;
  if (!meta.eventId || !meta.tenant) return undefined;
  const body = {
    type: 'event',
    subject,
    event_id: meta.eventId,
    tenant: meta.tenant,
    action: meta.action,
    schema: meta.schema,
    occurred_at: meta.occurredAt,
    actor: meta.actor,
    correlation_id: meta.correlationId,
    ticket: ticket ? ticketJson(ticket) : null,
    changed_fields: decoded.changedFields,
    ...(decoded.notification ? { notification: decoded.notification } : {}),
    ...(decoded.transition ? { transition: decoded.transition } : {}),
    ...(decoded.comment ? { comment: commentJson(decoded.comment) } : {}),
    ...(decoded.attachment ? { attachment: attachmentJson(decoded.attachment) } : {}),
    ...(decoded.slaChange ? { sla_change: decoded.slaChange } : {}),
  };
  return {
    text: JSON.stringify(body),
    eventId: meta.eventId,
    tenant: meta.tenant,
    customerId: ticket?.customerId ?? null,
    staffOnly: decoded.comment?.internal === true,
  };
}
