// The NATS headers every published event carries (README, Events), built through the client's public header API.
import { type MsgHdrs, headers } from '@nats-io/transport-node';
import type { StoredEvent } from '../store/port.js';

const CONTENT_TYPE = 'application/x-protobuf';

/**
 * Nats-Msg-Id is the event id, so the stream's duplicate window drops a republished event; tenant,
 * schema, content type and correlation id let a consumer route and decode without the payload.
 * `set` rejects a value with CR or LF, which would otherwise break the header block.
 */
export function eventHeaders(event: Pick<StoredEvent, 'eventId' | 'tenant' | 'schema' | 'correlationId'>): MsgHdrs {
  const h = headers();
  h.set('Nats-Msg-Id', event.eventId);
  h.set('tenant', event.tenant);
  h.set('schema', event.schema);
  h.set('Content-Type', CONTENT_TYPE);
  h.set('correlation-id', event.correlationId);
  return h;
}
