// Reads what the service published: every message of a stream, decoded, with its headers.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { fromBinary } from '@bufbuild/protobuf';
import { TicketEventSchema, type TicketEvent } from '../../src/gen/ticketpb/ticket_pb.js';
import type { TestService } from './service.js';

export type PublishedEvent = {
  seq: number;
  subject: string;
  headers: Record<string, string>;
  event: TicketEvent;
};

/**
 * Every message of the stream, in stream order, read with an ordered consumer (one pass, and a
 * cluster in turmoil cannot make it skip a message: it fails or times out instead).
 */
export async function readStream(url: string, stream: string, timeoutMs = 10_000): Promise<PublishedEvent[]> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream).catch(() => undefined);
    if (!info || info.state.messages === 0) return [];
    const last = info.state.last_seq;
    const messages = await (await jetstream(nc).consumers.get(stream)).consume();
    const timer = setTimeout(() => messages.stop(new Error(`reading ${stream} took over ${timeoutMs} ms`)), timeoutMs);
    const out: PublishedEvent[] = [];
    try {
      for await (const msg of messages) {
        const headers: Record<string, string> = {};
        for (const [k, v] of msg.headers ?? []) headers[k] = v.join(',');
        out.push({ seq: msg.seq, subject: msg.subject, headers, event: fromBinary(TicketEventSchema, msg.data) });
        if (msg.seq >= last) break;
      }
    } finally {
      clearTimeout(timer);
      messages.stop();
    }
    if ((out.at(-1)?.seq ?? 0) < last) throw new Error(`read ${stream} up to ${out.at(-1)?.seq ?? 0} of ${last}`);
    return out;
  } finally {
    await nc.close();
  }
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let markers = 0;

/**
 * Waits until the stream holds every event the service committed before this call, and returns the
 * stream: a condition where a test would otherwise sleep and hope the relay got there. It creates a
 * marker ticket in its own tenant (`marker`, which no test looks at) and waits for its created event;
 * the relay publishes in commit order, so everything committed earlier is in the stream by then.
 */
export async function publishedSoFar(svc: Pick<TestService, 'call'>, url: string, stream: string, timeoutMs = 60_000): Promise<PublishedEvent[]> {
  const res = await svc.call('/api/v1/tickets', { method: 'POST', tenant: 'marker', json: { title: `marker ${++markers}`, created_by: 'test' } });
  if (res.status !== 201) throw new Error(`the marker ticket was refused: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  return waitFor(
    async () => {
      const events = await readStream(url, stream);
      return events.some((e) => e.event.data?.id === id) ? events : undefined;
    },
    `the marker ticket ${id} in ${stream}`,
    timeoutMs,
  );
}
