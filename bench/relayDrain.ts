// Relay drain rate: an api-only service child builds an outbox backlog over HTTP, then a relay-only child on the same data dir publishes it.
import type { JetStreamManager } from '@nats-io/jetstream';
import { countEvents } from './backlog.js';
import { assertRunning, sleep } from './childProcess.js';
import { drive } from './httpLoad.js';
import { sampleRss } from './rss.js';
import { startService } from './service.js';
import { streamSpanSeconds } from './streamSpan.js';
import { createRequest } from './ticketRequests.js';

// Same subjects as TICKET_EVENTS, so that stream must be gone before this phase.
const STREAM = 'BENCH_DRAIN';

export type DrainResult = {
  events: number;
  /** events / (last − first stored message): the relay's start-up is not part of its drain rate. */
  perSec: number;
  /** Relay child spawn → last event in the stream, start-up included. */
  wallSeconds: number;
  buildSeconds: number;
  rssPeakMb: number;
};

export async function relayDrain(plan: {
  jsm: JetStreamManager;
  natsUrl: string;
  dataDir: string;
  events: number;
  connections: number;
  onChild: (stop: () => Promise<void>) => void;
}): Promise<DrainResult> {
  const buildStarted = performance.now();
  // NORMAL only speeds up building the backlog; the relay child below runs with the default (FULL).
  const api = await startService({
    label: 'api-only service',
    dataDir: plan.dataDir,
    natsUrl: plan.natsUrl,
    components: 'api',
    stream: STREAM,
    synchronous: 'NORMAL',
  });
  plan.onChild(() => api.stop());
  try {
    // A create commits several events (its SLA metric events too): one first tells how many, so
    // the backlog holds the events asked for, not that many creates' worth.
    const first = await drive({ url: api.url, connections: 1, amount: 1, request: createRequest() });
    if (first.ok !== 1) throw new Error(`building the backlog: the first create failed (${first.non2xx} non-2xx, ${first.errors} errors)`);
    const perCreate = Math.max(1, countEvents(api.dbPath).unmarked);
    const creates = Math.ceil(plan.events / perCreate) - 1;
    const built = creates > 0 ? await drive({ url: api.url, connections: plan.connections, amount: creates, request: createRequest() }) : first;
    assertRunning(api);
    if (built.ok === 0) throw new Error(`building the backlog: no 201s (${built.non2xx} non-2xx, ${built.errors} errors)`);
  } finally {
    await api.stop();
  }
  const buildSeconds = (performance.now() - buildStarted) / 1000;
  const { unmarked: events } = countEvents(api.dbPath);
  const before = (await plan.jsm.streams.info(STREAM)).state.messages;
  if (before !== 0) throw new Error(`${STREAM} should be empty before the relay starts; it holds ${before}`);

  const started = performance.now();
  const relay = await startService({
    label: 'relay-only service',
    dataDir: plan.dataDir,
    natsUrl: plan.natsUrl,
    components: 'relay',
    stream: STREAM,
    waitReady: false,
  });
  plan.onChild(() => relay.stop());
  const rss = sampleRss(relay.pid);
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const info = await plan.jsm.streams.info(STREAM);
      if (info.state.messages >= events) {
        const wallSeconds = (performance.now() - started) / 1000;
        return { events, perSec: events / streamSpanSeconds(info.state), wallSeconds, buildSeconds, rssPeakMb: rss.peakMb() };
      }
      assertRunning(relay);
      if (Date.now() > deadline) throw new Error(`relay drained only ${info.state.messages}/${events} in 180 s`);
      await sleep(50);
    }
  } finally {
    rss.stop();
    await relay.stop();
  }
}
