// What a notification says and how it looks on each channel: pure, from the consumed event.
import { createHash } from 'node:crypto';
import type { ConsumedEvent } from '../consumedEvent.js';

/** The events a webhook may subscribe to (the event schema without its version). */
export const WEBHOOK_EVENTS = ['notification.event.requested', 'ticket.event.sla_changed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export type Notification = {
  event: WebhookEvent;
  eventId: string;
  tenant: string;
  reason: string;
  keywords: string[];
  occurredAt: string;
  correlationId: string;
  ticket: { id: string; title: string; priority: string; status: string; assignee: string | null; customerId: string | null; version: number };
};

/** Undefined for events that notify nobody (no ticket, or not a notifying action). */
export function toNotification(e: ConsumedEvent): Notification | undefined {
  const t = e.ticket;
  if (!t) return undefined;
  const event: WebhookEvent | undefined =
    e.meta.action === 'notification_requested' || e.subject.endsWith('.notification.event.requested')
      ? 'notification.event.requested'
      : e.subject.endsWith('.ticket.event.sla_changed')
        ? 'ticket.event.sla_changed'
        : undefined;
  if (!event) return undefined;
  // Of the SLA metric events only thresholds crossed (alerted, breached) notify; activations, pauses
  // and fulfilments are for the stream's readers.
  if (event === 'ticket.event.sla_changed' && (e.slaChange?.crossed.length ?? 0) === 0) return undefined;
  return {
    event,
    eventId: e.eventId,
    tenant: e.tenant,
    reason: e.notification?.reason || (event === 'ticket.event.sla_changed' ? 'sla_changed' : 'requested'),
    keywords: e.notification?.keywords ?? e.slaChange?.crossed ?? [],
    occurredAt: e.meta.occurredAt,
    correlationId: e.meta.correlationId,
    ticket: { id: t.id, title: t.title, priority: t.priority, status: t.status, assignee: t.assignee, customerId: t.customerId, version: t.version },
  };
}

/** The same for every retry of one notification to one webhook, so receivers can drop repeats. */
export function deliveryId(webhookId: string, eventId: string): string {
  const hex = createHash('sha256').update(`${webhookId}\u0000${eventId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The JSON body of a webhook delivery. */
export function webhookPayload(n: Notification, delivery: string) {
  return {
    delivery_id: delivery,
    event: n.event,
    event_id: n.eventId,
    tenant: n.tenant,
    occurred_at: n.occurredAt,
    correlation_id: n.correlationId,
    reason: n.reason,
    keywords: n.keywords,
    ticket: {
      id: n.ticket.id,
      title: n.ticket.title,
      priority: n.ticket.priority,
      status: n.ticket.status,
      assignee: n.ticket.assignee,
      customer_id: n.ticket.customerId,
      version: n.ticket.version,
    },
  };
}

/** Slack incoming webhooks take `{text}`; &, < and > are control characters in Slack's markup. */
export function slackPayload(n: Notification): { text: string } {
  const why = n.keywords.length > 0 ? `${n.reason.replace(/_/g, ' ')}: ${n.keywords.join(', ')}` : n.reason.replace(/_/g, ' ');
  const text = `[${n.tenant}] Ticket "${n.ticket.title}" (${n.ticket.priority}, ${n.ticket.status}) needs attention: ${why}. Ticket ${n.ticket.id}`;
  return { text: text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') };
}

export function isSlackTarget(url: string): boolean {
  try {
    return new URL(url).hostname.toLowerCase() === 'hooks.slack.com';
  } catch {
    return false;
  }
}
