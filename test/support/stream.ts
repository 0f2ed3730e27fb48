// Reads what the service published: every message of a stream, decoded, with its headers.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { fromBinary } from '@bufbuild/protobuf';
import { TicketEventSchema, type TicketEvent } from '../../src/gen/ticketpb/ticket_pb.js';

export type PublishedEvent = {
  seq: number;
  subject: string;
  headers: Record<string, string>;
  event: TicketEvent;
};

export async function readStream(url: string, stream: string): Promise<PublishedEvent[]> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream).catch(() => undefined);
    if (!info || info.state.messages === 0) return [];
    const out: PublishedEvent[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (!msg) continue;
      const headers: Record<string, string> = {};
      for (const [k, v] of msg.header ?? []) headers[k] = v.join(',');
      out.push({ seq: msg.seq, subject: msg.subject, headers, event: fromBinary(TicketEventSchema, msg.data) });
    }
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
