// The consumer runtime audit and notify share: durable pull consumers with manual ack, tickets
// handled in parallel and each ticket's events in order, failed attempts retried by nak(delay) with
// exponential backoff, the last one published to the dead-letter stream and terminated, and every
// event handled at most once per consumer (processed-events table).
import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { ConsumerSettings } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { NatsLink } from '../nats/link.js';
import type { ConsumerStore } from '../store/consumerPort.js';
import { isLastAttempt, maxDeliveries, retryDelayMs } from './backoff.js';
import { type ConsumedEvent, consumedEvent, failureReason } from './consumedEvent.js';
import { type DlqStreamSettings, deadLetterHeaders, dlqSubject, ensureDlqStream, redriveFilter } from './dlq.js';
import { ensureDurable } from './durable.js';
import { createKeyedQueue } from '../orderedByKey.js';

export type Attempt = {
  /** 1 for the first delivery. */
  deliveryCount: number;
  /** Tells JetStream the handler is still at it, so the ack wait starts over. */
  working(): void;
};

export type ConsumerDefinition = {
  /** One subject token: the durables, dead-letter subjects and metric labels derive from it. */
  name: string;
  /**
   * One durable per filter (nats-server 2.9 takes one filter subject per consumer); no filter: every
   * event. `from: 'new'`: a durable created now skips the events already in the stream.
   */
  subscriptions: ReadonlyArray<{ durable: string; filter?: string; from?: 'all' | 'new' }>;
  /** Throws to have the event tried again later. */
  handle(event: ConsumedEvent, attempt: Attempt): Promise<void>;
};

export type RuntimeDeps = {
  link: NatsLink;
  store: ConsumerStore;
  settings: ConsumerSettings;
  /** The event stream the subscriptions read; the dead-letter stream takes its replicas and max age. */
  stream: { name: string; replicas: number; maxAgeMs: number };
  log: Logger;
  metrics: Metrics;
  now: () => Date;
};

export type RunningConsumer = { stop(): Promise<void> };

export function startConsumer(def: ConsumerDefinition, deps: RuntimeDeps): RunningConsumer {
  const { link, store, settings, log, metrics, now } = deps;
  const policy = { baseMs: settings.backoffBaseMs, maxMs: settings.backoffMaxMs, maxRetries: settings.maxRetries };
  const dlq: DlqStreamSettings = { name: settings.dlqStream, replicas: deps.stream.replicas, maxAgeMs: deps.stream.maxAgeMs };
  const label = { consumer: def.name };
  // Label sets made once: a spread that adds a key gets a hidden class of its own each time
  // (docs/performance-notes.md), garbage per message.
  const outcomeLabel = { duplicate: { ...label, outcome: 'duplicate' }, handled: { ...label, outcome: 'handled' } };
  let stopped = false;
  let wakeOnStop: () => void = () => undefined;
  const stopSignal = new Promise<void>((resolve) => (wakeOnStop = resolve));
  const running = new Set<ConsumerMessages>();
  const pause = (ms: number) => Promise.race([stopSignal, new Promise((r) => setTimeout(r, ms).unref())]);

  const deadLetter = async (js: JetStreamClient, m: JsMsg, event: ConsumedEvent | undefined, error: unknown): Promise<void> => {
    const subject = event?.subject ?? m.subject;
    const reason = failureReason(error);
    const headers = deadLetterHeaders(m.headers, {
      consumer: def.name,
      originalSubject: subject,
      eventId: event?.eventId ?? m.headers?.get('Nats-Msg-Id') ?? '',
      error: reason,
      deliveryCount: m.info.deliveryCount,
      stream: m.info.stream,
      streamSeq: m.info.streamSequence,
      failedAt: now().toISOString(),
    });
    for (let tries = 1; ; tries++) {
      try {
        await js.publish(dlqSubject(def.name, subject), m.data, { headers });
        break;
      } catch (publishError) {
        if (tries >= 5 || stopped) {
          // JetStream will not deliver it again (max_deliver); say where it still is.
          log.error(
            { operation: 'dead_letter', ...label, event_id: event?.eventId, stream: m.info.stream, stream_seq: m.info.streamSequence, err: publishError },
            'dead letter could not be stored; the event stays in its stream at this sequence',
          );
          return;
        }
        m.working();
        await pause(1000);
      }
    }
    // No reason text: nats-server 2.9 only understands a bare +TERM.
    m.term();
    metrics.consumerDeadLettered.inc(label);
    log.error(
      { operation: 'dead_letter', ...label, event_id: event?.eventId, subject, deliveries: m.info.deliveryCount, error: reason },
      'moved to the dead-letter stream',
    );
  };

  /** Acks or dead-letters the message (undefined), or says how long to wait before it is tried again. */
  const attempt = async (js: JetStreamClient, m: JsMsg, event: ConsumedEvent): Promise<number | undefined> => {
    const deliveryCount = m.info.deliveryCount;
    if (await store.isProcessed(def.name, event.eventId)) {
      m.ack();
      metrics.consumerProcessed.inc(outcomeLabel.duplicate);
      return undefined;
    }
    try {
      await def.handle(event, { deliveryCount, working: () => m.working() });
      await store.markProcessed(def.name, event.eventId, now().toISOString());
      m.ack();
      metrics.consumerProcessed.inc(outcomeLabel.handled);
      return undefined;
    } catch (error) {
      if (isLastAttempt(deliveryCount, policy)) {
        await deadLetter(js, m, event, error);
        return undefined;
      }
      const delayMs = retryDelayMs(deliveryCount, policy);
      metrics.consumerRetried.inc(label);
      log.warn(
        { operation: 'consume', ...label, event_id: event.eventId, delivery: deliveryCount, retry_in_ms: delayMs, error: failureReason(error) },
        'attempt failed; retrying',
      );
      return delayMs;
    }
  };

  /**
   * Messages of one ticket run one after another, tickets in parallel (up to maxInFlight). A failed
   * message holds its ticket's line until its redelivery finishes, so no later event of the ticket
   * overtakes it; the redelivery itself goes straight in.
   */
  const dispatch = (js: JetStreamClient, durable: string) => {
    const lagLabel = { ...label, durable };
    const queue = createKeyedQueue();
    const retrying = new Map<string, { done: Promise<void>; settle: () => void }>();
    const tasks = new Set<Promise<void>>();
    /** The promise a ticket's line waits on until the message's redelivery is finished with. */
    const expectRedelivery = (id: string) => {
      let entry = retrying.get(id);
      if (!entry) {
        let settle: () => void = () => {};
        const done = new Promise<void>((resolve) => {
          settle = resolve;
        });
        entry = { done, settle };
        retrying.set(id, entry);
      }
      return entry.done;
    };
    const finished = (id: string) => {
      retrying.get(id)?.settle();
      retrying.delete(id);
    };
    /** Settles when the message is finished with, or with the redelivery to wait for. */
    const handle = async (m: JsMsg, event: ConsumedEvent, id: string, heartbeat: NodeJS.Timeout): Promise<{ redelivery?: Promise<void> }> => {
      let retryInMs: number | undefined;
      try {
        // Still queued at stop(): hand it straight back rather than leave it for the ack wait.
        if (stopped) {
          m.nak();
          return {};
        }
        retryInMs = await attempt(js, m, event);
      } finally {
        clearInterval(heartbeat);
      }
      if (retryInMs === undefined) return {};
      // Expected before the nak, so the redelivery cannot arrive unannounced.
      const redelivery = expectRedelivery(id);
      m.nak(retryInMs);
      return { redelivery };
    };
    return {
      async accept(m: JsMsg): Promise<void> {
        metrics.consumerLag.set(lagLabel, m.info.pending);
        let event: ConsumedEvent;
        try {
          event = consumedEvent(m);
        } catch (error) {
          await deadLetter(js, m, undefined, error);
          return;
        }
        const id = `${m.info.stream}:${m.info.streamSequence}`;
        // Waiting in a ticket's line counts against the ack wait too: tell JetStream it is not forgotten.
        const heartbeat = setInterval(() => m.working(), Math.max(250, Math.floor(settings.ackWaitMs / 3)));
        const task = retrying.has(id)
          ? handle(m, event, id, heartbeat).then(({ redelivery }) => (redelivery ? undefined : finished(id)))
          : queue.run(event.ticket ? `${event.tenant}/${event.ticket.id}` : event.eventId, async () => {
              const { redelivery } = await handle(m, event, id, heartbeat);
              if (redelivery && !stopped) await redelivery;
            });
        const tracked = task.catch((err: unknown) => log.error({ operation: 'consume', ...label, err }, 'message handling failed'));
        tasks.add(tracked);
        void tracked.then(() => tasks.delete(tracked));
      },
      /** Lets held lines go (their messages are nak'd) and waits for what is running. */
      async drain(): Promise<void> {
        for (const id of [...retrying.keys()]) finished(id);
        await Promise.all(tasks);
      },
    };
  };

  const run = async (stream: string, durable: string, filter: string | undefined, from?: 'all' | 'new'): Promise<void> => {
    while (!stopped) {
      const handles = link.current();
      if (!handles) {
        await Promise.race([link.whenReady(), stopSignal]);
        continue;
      }
      const dispatcher = dispatch(handles.js, durable);
      try {
        await ensureDlqStream(handles.jsm, dlq, def.name);
        await ensureDurable(
          handles.jsm,
          {
            stream,
            durable,
            filter,
            from,
            maxDeliver: maxDeliveries(policy),
            ackWaitMs: settings.ackWaitMs,
            maxAckPending: settings.maxInFlight,
          },
          log,
        );
        const messages = await (await handles.js.consumers.get(stream, durable)).consume({ max_messages: settings.maxInFlight });
        running.add(messages);
        if (stopped) messages.stop();
        try {
          for await (const m of messages) {
            if (stopped) m.nak();
            else await dispatcher.accept(m);
          }
        } finally {
          running.delete(messages);
        }
      } catch (error) {
        if (stopped) break;
        log.warn({ operation: 'consume', ...label, durable, err: error }, 'consumer interrupted; starting again');
        await pause(1000);
      } finally {
        await dispatcher.drain();
      }
    }
  };

  const loops = [
    ...def.subscriptions.map((s) => run(deps.stream.name, s.durable, s.filter, s.from)),
    // Dead letters `dlq replay` sends back to this consumer, handled like any other delivery.
    run(settings.dlqStream, `${def.name}_redrive`, redriveFilter(def.name)),
  ];

  return {
    async stop() {
      stopped = true;
      wakeOnStop();
      for (const messages of running) messages.stop();
      await Promise.all(loops);
    },
  };
}
