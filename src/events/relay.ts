// The outbox relay: publishes committed events to JetStream in commit order, marking them once the stream acked them.
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import { createPause } from '../pause.js';
import type { JetStreamHandles, NatsLink } from '../nats/link.js';
import { eventHeaders } from './eventHeaders.js';
import type { RelayLeadership } from './leadership.js';
import type { Publisher } from './publisher.js';
import { streamTailIds } from './reconcile.js';
import type { StoredEvent, TicketStore } from '../store/port.js';

// Counting a backlog reads all of it: done every round, it slows a large drain noticeably, and a
// gauge needs it once a second at most.
const BACKLOG_COUNT_EVERY_MS = 1000;
// What a relay that died left published but unmarked is at most two rounds: the one whose mark was
// committing and the one publishing meanwhile, each a batch of its own batch size, which a restart
// may have lowered. Read the tail for twice that, and never for fewer than four default batches.
const UNMARKED_ROUNDS = 2;
const reconcileTail = (batchSize: number) => 2 * UNMARKED_ROUNDS * Math.max(batchSize, 1024);

export type RelayOptions = { batchSize: number; maxInFlight: number; pollMs: number; errorBackoffMs?: number };

export type Relay = {
  /** Stops after publishing what is pending (until the deadline), so a clean shutdown leaves no backlog. */
  stop(flushTimeoutMs: number): Promise<void>;
};

export function startRelay(store: TicketStore, link: NatsLink, opts: RelayOptions, log: Logger, metrics: Metrics, leadership?: RelayLeadership): Relay {
  const { batchSize, maxInFlight, pollMs, errorBackoffMs = 500 } = opts;
  const pause = createPause();
  let pokes = 0;
  let stopping = false;
  let deadline = Infinity;

  store.onEventsCommitted(() => {
    pokes++;
    pause.wake();
  });
  const leading = () => leadership?.held() ?? true;
  // Nats-Msg-Id is the event id, but a crash (or a lost ack) between the stream's ack and the mark
  // leaves published events pending, and a relay back after longer than the duplicate window would
  // publish them as new messages. So whenever the relay may not know what the stream holds (at start,
  // on taking leadership, after a failed round, on a new NATS connection) it reconciles first
  // (./reconcile.ts): pending events whose Nats-Msg-Id is among the stream's last messages are marked,
  // not republished. With replicas sharing one outbox, only the holder of the leadership publishes.
  // `reconciled`: the ids of the stream's last messages when this relay last reconciled, trusted on
  // that connection only; undefined means reconcile before the next publish.
  let reconciled: { on: JetStreamHandles; term: number; ids: Set<string> } | undefined;
  const term = () => leadership?.term() ?? 0;
  let countedAt = -Infinity;
  const idle = pause.sleep;
  // A round's mark commits while the next round publishes, so the next commit's events do not wait
  // for it. At most one mark is out: its events are left out of what the next round publishes, and
  // it must have committed before the next mark goes out, or that round fails (and reconciles).
  let marking: { seqs: Set<number>; done: Promise<void>; settled: boolean } | undefined;
  const startMark = (seqs: number[]) => {
    const mark = { seqs: new Set(seqs), done: store.markPublished(seqs, new Date().toISOString()), settled: false };
    // The failure is handled where the mark is awaited; a relay waiting on it wakes.
    const settled = () => {
      mark.settled = true;
      pause.wake();
    };
    mark.done.then(settled, settled);
    marking = mark;
  };
  const settleMark = async () => {
    const mark = marking;
    marking = undefined;
    await mark?.done;
  };

  const publish = async (batch: StoredEvent[], handles: JetStreamHandles, inStream: Set<string>): Promise<{ published: number[]; error?: unknown }> => {
    const acks: Array<Promise<unknown>> = [];
    const published: number[] = [];
    let next = 0;
    const settleOne = async () => {
      await acks[next];
      published.push(batch[next]!.seq);
      next++;
    };
    try {
      for (const event of batch) {
        // Leadership lost mid-batch: stop here; the new leader reconciles and publishes the rest.
        // (A message still on its way from here as the new leader reads the stream is left to the
        // duplicate window: the new leader republishes at once.)
        if (!leading()) break;
        // The connection dropped (or the stream is being set up again): publish no more on it. Acks in
        // flight settle or time out; the rest stays pending for the next connection.
        if (link.current() !== handles) break;
        if (inStream.has(event.eventId)) {
          // Already in the stream: counted as acknowledged, marked with the batch.
          acks.push(Promise.resolve());
          continue;
        }
        // A full window settles down to half before more go out: the client sends what is published
        // in one turn as one socket write, where refilling one ack at a time would send each alone.
        if (acks.length - next >= maxInFlight) {
          while (acks.length - next > Math.floor(maxInFlight / 2)) await settleOne();
        }
        acks.push(publishOne(handles.publisher, event));
      }
      while (next < acks.length) await settleOne();
      return { published };
    } catch (error) {
      return { published, error };
    }
  };

  const publishOne = (publisher: Publisher, event: StoredEvent): Promise<unknown> => {
    const h = eventHeaders(event);
    const started = performance.now();
    const ack = publisher.publish(event.subject, event.payload, h).then((result) => {
      metrics.publishLatency.observe((performance.now() - started) / 1000);
      metrics.commitToStream.observe(Math.max(0, Date.now() - Date.parse(event.occurredAt)) / 1000);
      metrics.eventsPublished.inc({ action: event.action });
      return result;
    });
    ack.catch(() => undefined); // the failure is handled where the ack is awaited, in order
    return ack;
  };

  const rounds = async (): Promise<void> => {
    while (!stopping || Date.now() < deadline) {
      const seenPokes = pokes;
      try {
        if (!leading()) {
          reconciled = undefined; // another relay may publish meanwhile
          if (stopping) return;
          await Promise.race([leadership!.acquired(), idle(pollMs)]);
          continue;
        }
        if (!link.current()) {
          if (stopping) return;
          // The outbox grows while NATS is away: say so, rather than the last figure from before.
          metrics.outboxBacklog.set(await store.backlog());
          await Promise.race([link.whenReady(), idle(pollMs)]);
          continue;
        }
        // The events of the mark still out come first: read past them for a whole batch.
        const mark = marking;
        const limit = batchSize + (mark?.seqs.size ?? 0);
        const read = await store.pending(limit);
        // At most a batch even when the mark committed before the read: two rounds unmarked at most.
        const batch = (mark ? read.filter((event) => !mark.seqs.has(event.seq)) : read).slice(0, batchSize);
        if (batch.length === 0 && read.length > 0) {
          // Nothing pending but the events whose mark is committing: wait for it, or for a new commit.
          if (!mark?.settled && pokes === seenPokes) await idle(pollMs);
          if (marking?.settled) await settleMark();
          continue;
        }
        if (read.length < limit) metrics.outboxBacklog.set(read.length);
        else if (performance.now() - countedAt >= BACKLOG_COUNT_EVERY_MS) {
          countedAt = performance.now();
          metrics.outboxBacklog.set(await store.backlog());
        }
        if (batch.length === 0) {
          if (stopping) return;
          if (pokes === seenPokes) await idle(pollMs);
          continue;
        }
        const handles = link.current();
        if (!handles) continue;
        // A new connection, or leadership lost and taken again since (another relay may have led in between).
        if (reconciled?.on !== handles || reconciled.term !== term()) {
          reconciled = undefined;
          const readInTerm = term();
          const ids = await streamTailIds(handles.js, handles.jsm, batch[0]!.subject, reconcileTail(batchSize)).catch((error: unknown) => {
            link.recheck(); // the stream may have gone (a server restarted without its store)
            throw error;
          });
          reconciled = { on: handles, term: readInTerm, ids };
        }
        const inStream = reconciled.ids;
        const { published, error } = await publish(batch, handles, inStream);
        await settleMark();
        if (published.length > 0) startMark(published);
        // A full batch means more is pending (a backlog draining): the next read starts after this
        // batch once it is marked, instead of reading it again to pass over it.
        if (batch.length >= batchSize) await settleMark();
        let found = 0;
        for (let i = 0; i < published.length; i++) if (inStream.has(batch[i]!.eventId)) found++;
        if (found > 0) {
          metrics.eventsReconciled.inc(found);
          log.info({ operation: 'relay_reconcile', found }, 'pending events already in the stream: marked, not republished');
        }
        if (error) {
          link.recheck();
          throw error;
        }
      } catch (error) {
        // The round's outcome is unknown (an ack or a mark may have been lost): reconcile before
        // publishing again, once the mark still out has settled either way.
        await settleMark().catch(() => undefined);
        reconciled = undefined;
        metrics.relayErrors.inc();
        log.warn({ operation: 'relay', err: error }, 'relay round failed; events stay pending');
        if (stopping) return;
        await idle(errorBackoffMs);
      }
    }
  };
  const loop = async (): Promise<void> => {
    try {
      await rounds();
    } finally {
      // Stopping leaves no mark half-done: what was published is marked before the store closes.
      await settleMark().catch((error: unknown) => log.warn({ operation: 'relay', err: error }, 'last mark failed; the next start reconciles'));
    }
  };
  const running = loop();

  return {
    async stop(flushTimeoutMs) {
      stopping = true;
      deadline = Date.now() + flushTimeoutMs;
      pause.wake();
      await running;
    },
  };
}
