// A delivered JetStream message as a consumer's handler sees it: the decoded event and where it came from.
import type { JsMsg } from '@nats-io/jetstream';
import { type DecodedEvent, type EventMeta, decodeWithMeta } from '../events/record.js';
import { DLQ_HEADERS } from './dlq.js';

export type ConsumedEvent = DecodedEvent & {
  meta: EventMeta;
  eventId: string;
  tenant: string;
  /** The subject the event was published on (also for a dead letter sent back by `dlq replay`). */
  subject: string;
};

/** Throws when the message is not one of our events: retrying cannot help such a message. */
export function consumedEvent(msg: JsMsg): ConsumedEvent {
  const decoded = decodeWithMeta(msg.data);
  const header = (name: string) => msg.headers?.get(name) || undefined;
  const redriven = msg.subject.startsWith('redrive.');
  const eventId = decoded.meta.eventId || (redriven ? header(DLQ_HEADERS.eventId) : header('Nats-Msg-Id'));
  const tenant = decoded.meta.tenant || header('tenant');
  if (!eventId || !tenant) throw new Error(`not a ticket-svc event: no ${eventId ? 'tenant' : 'event id'}`);
  const subject = (redriven ? header(DLQ_HEADERS.subject) : undefined) ?? msg.subject;
  return Object.assign(decoded, { eventId, tenant, subject });
}

/** The one-line reason an attempt failed, for logs and the dead letter. */
export function failureReason(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
