// Reference: raw JetStream publishing from one connection, unique msgIDs, a bounded window of acks in flight, into its own stream.
import { randomUUID } from 'node:crypto';
import { RetentionPolicy, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { streamSpanSeconds } from './streamSpan.js';

const STREAM = 'BENCH_RAW';
// Outside the service's subjects (*.ticket.ticket.event.*), so the stream can live beside TICKET_EVENTS.
const SUBJECT = 'bench.raw.ticket.event.created';

export type RawPublishResult = {
  messages: number;
  /** Server-side: first to last stored message, as the relay figure is measured. */
  perSec: number;
  /** Client-side: first publish to last ack. */
  wallPerSec: number;
  payloadBytes: number;
};

export async function rawPublish(plan: { servers: string; messages: number; payload: Uint8Array; window: number }): Promise<RawPublishResult> {
  const nc = await connect({ servers: plan.servers, noAsyncTraces: true });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: STREAM,
      subjects: [SUBJECT],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: 1,
      duplicate_window: 2 * 60 * 1_000_000_000,
    });
    const js = jetstream(nc, { timeout: 5000 });
    const inFlight: Array<Promise<unknown>> = [];
    const started = performance.now();
    for (let i = 0; i < plan.messages; i++) {
      if (inFlight.length >= plan.window) await inFlight.shift();
      const ack = js.publish(SUBJECT, plan.payload, { msgID: randomUUID() });
      ack.catch(() => undefined); // awaited in order below; this only keeps a later failure from being "unhandled" first
      inFlight.push(ack);
    }
    await Promise.all(inFlight);
    const wallSeconds = (performance.now() - started) / 1000;
    const info = await jsm.streams.info(STREAM);
    if (info.state.messages !== plan.messages) throw new Error(`raw publish: stream holds ${info.state.messages} of ${plan.messages}`);
    await jsm.streams.delete(STREAM);
    return {
      messages: plan.messages,
      perSec: plan.messages / streamSpanSeconds(info.state),
      wallPerSec: plan.messages / wallSeconds,
      payloadBytes: plan.payload.length,
    };
  } finally {
    await nc.close();
  }
}
