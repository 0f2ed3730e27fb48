// Creates a consumer's durable on a stream, or brings the settings that may change (retries, ack
// wait, messages in flight) in line.
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { nanos } from '../events/stream.js';

export type DurableSpec = {
  stream: string;
  durable: string;
  filter?: string | undefined;
  /** Where a new durable starts: every event in the stream, or only those published from now on. */
  from?: 'all' | 'new' | undefined;
  maxDeliver: number;
  ackWaitMs: number;
  maxAckPending: number;
};

export async function ensureDurable(jsm: JetStreamManager, spec: DurableSpec, log: Logger): Promise<void> {
  const wanted = { max_deliver: spec.maxDeliver, ack_wait: nanos(spec.ackWaitMs), max_ack_pending: spec.maxAckPending };
  try {
    const { config } = await jsm.consumers.info(spec.stream, spec.durable);
    if ((config.filter_subject ?? undefined) !== spec.filter) {
      // nats-server 2.9 cannot change a durable's filter; deleting it would lose its position.
      log.warn(
        { operation: 'consumer', durable: spec.durable, has: config.filter_subject, wants: spec.filter },
        'durable filter differs; delete the durable to change it',
      );
    }
    if (config.max_deliver !== wanted.max_deliver || config.ack_wait !== wanted.ack_wait || config.max_ack_pending !== wanted.max_ack_pending) {
      await jsm.consumers.update(spec.stream, spec.durable, wanted);
    }
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.code !== JetStreamApiCodes.ConsumerNotFound) throw error;
    await jsm.consumers.add(spec.stream, {
      durable_name: spec.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: spec.from === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
      ...(spec.filter ? { filter_subject: spec.filter } : {}),
      ...wanted,
    });
  }
}
