// 201 → event in stream: creates at an even fixed rate, each 201 matched by ticket id to its `created` event on a core NATS subscription.
import { fromBinary } from '@bufbuild/protobuf';
import type { NatsConnection } from '@nats-io/transport-node';
import { TicketEventSchema } from '../src/gen/ticketpb/ticket_pb.js';
import { sleep } from './childProcess.js';
import { type PacedResult, pacedCreates } from './pacedLoad.js';
import { ascending, percentile } from './percentile.js';
import { TENANT, ticketIdOf } from './ticketRequests.js';

export type SteadyResult = {
  load: PacedResult;
  /** performance.now() when the last create was answered. */
  loadEndedAt: number;
  created: number;
  matched: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Events that reached the subscriber before their 201 reached the client (negative latencies, kept as measured). */
  eventFirst: number;
  /** Most 201s seen in any 100 ms bin: about rate/10 when the offered load really is steady. */
  peakPer100ms: number;
  /** One real `created` payload, so the raw-publish reference can send the same size. */
  samplePayload: Uint8Array | undefined;
};

export async function steadyCreateToStream(plan: { nc: NatsConnection; url: string; rate: number; seconds: number }): Promise<SteadyResult> {
  const responded = new Map<string, number>();
  const arrived = new Map<string, number>();
  let samplePayload: Uint8Array | undefined;
  const sub = plan.nc.subscribe(`${TENANT}.ticket.ticket.event.created`, {
    callback: (error, msg) => {
      if (error) return;
      // The same clock as the 201 timestamps: both sides are observed in this process.
      const at = performance.now();
      const id = fromBinary(TicketEventSchema, msg.data).data?.id;
      if (id) arrived.set(id, at);
      samplePayload ??= msg.data.slice();
    },
  });
  try {
    // The server has the subscription before the first create is sent.
    await plan.nc.flush();
    const load = await pacedCreates({
      url: plan.url,
      rate: plan.rate,
      seconds: plan.seconds,
      onResponse: (status, body, at) => {
        if (status !== 201) return;
        const id = ticketIdOf(body);
        if (id) responded.set(id, at);
      },
    });
    const loadEndedAt = performance.now();
    // Stragglers: give the relay up to 5 s to deliver what was acknowledged last.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && [...responded.keys()].some((id) => !arrived.has(id))) await sleep(50);

    const latencies: number[] = [];
    for (const [id, at] of responded) {
      const seen = arrived.get(id);
      if (seen !== undefined) latencies.push(seen - at);
    }
    ascending(latencies);
    const bins = new Map<number, number>();
    for (const at of responded.values()) bins.set(Math.floor(at / 100), (bins.get(Math.floor(at / 100)) ?? 0) + 1);
    return {
      load,
      loadEndedAt,
      created: responded.size,
      matched: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies[latencies.length - 1] ?? Number.NaN,
      eventFirst: latencies.filter((ms) => ms < 0).length,
      peakPer100ms: Math.max(0, ...bins.values()),
      samplePayload,
    };
  } finally {
    sub.unsubscribe();
  }
}
