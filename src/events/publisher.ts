// Publishes one outbox event to JetStream and resolves with the stream's ack, through the client's public API.
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';

export type { PubAck };

/**
 * What the relay needs: publish and wait for the stream's ack. Publishes are not awaited one by one:
 * the relay keeps a bounded window of them in flight and settles their acks in commit order.
 * The ack promise rejects when the stream refuses the message, when no ack comes within the timeout,
 * or when the connection closes; a message the duplicate window dropped resolves with `duplicate: true`
 * (it is in the stream, so it counts as published).
 */
export type Publisher = {
  publish(subject: string, payload: Uint8Array, headers: MsgHdrs): Promise<PubAck>;
};

export function createPublisher(js: JetStreamClient, { ackTimeoutMs = 5000 } = {}): Publisher {
  return {
    // Nats-Msg-Id travels in the headers (eventHeaders), so no msgID option: one source for the id.
    publish: (subject, payload, headers) => js.publish(subject, payload, { headers, timeout: ackTimeoutMs }),
  };
}
