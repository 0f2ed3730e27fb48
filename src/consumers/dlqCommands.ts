// Reading and re-driving the dead-letter stream (`ticket-svc dlq list|replay`).
//
// A replay does not publish to the original subject: the stream would drop it as a duplicate of
// the original Nats-Msg-Id, and had it not, every other consumer would see the event twice. It goes
// to `redrive.<consumer>.<original subject>` instead, which only that consumer's `<name>_redrive`
// durable reads, through the same handler, retries and idempotency as any delivery. The dead letter
// is deleted once the stream acknowledged its re-drive; if the consumer is not running, the re-drive
// waits for it in the stream.
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { DLQ_HEADERS, consumersIn, dlqFilter, redriveHeaders, redriveSubject } from './dlq.js';

export type DeadLetter = {
  seq: number;
  consumer: string;
  subject: string;
  eventId: string;
  tenant: string;
  error: string;
  deliveryCount: number;
  failedAt: string;
};

/** Every dead letter, oldest first; only `consumer`'s when given. */
export async function listDeadLetters(js: JetStreamClient, jsm: JetStreamManager, dlqStream: string, consumer?: string): Promise<DeadLetter[]> {
  const known = await deadLetterConsumers(jsm, dlqStream);
  const out: DeadLetter[] = [];
  for (const name of consumer === undefined ? known : known.filter((k) => k === consumer)) {
    await readEach(js, dlqStream, dlqFilter(name), async (m) => {
      out.push(describe(m));
    });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** Sends each of `consumer`'s dead letters back to it and removes it from the dead letters. */
export async function replayDeadLetters(js: JetStreamClient, jsm: JetStreamManager, dlqStream: string, consumer: string): Promise<DeadLetter[]> {
  const replayed: DeadLetter[] = [];
  if (!(await deadLetterConsumers(jsm, dlqStream)).includes(consumer)) return replayed;
  await readEach(js, dlqStream, dlqFilter(consumer), async (m) => {
    const letter = describe(m);
    await js.publish(redriveSubject(consumer, letter.subject), m.data, { headers: redriveHeaders(m.headers, dlqStream, m.seq) });
    await jsm.streams.deleteMessage(dlqStream, m.seq, false);
    replayed.push(letter);
  });
  return replayed;
}

/** The consumers the DLQ stream has subjects for; none when it does not exist yet. */
async function deadLetterConsumers(jsm: JetStreamManager, dlqStream: string): Promise<string[]> {
  const info = await jsm.streams.info(dlqStream).catch(() => undefined);
  return consumersIn(info?.config.subjects ?? []);
}

function describe(m: JsMsg): DeadLetter {
  const h = (name: string) => m.headers?.get(name) ?? '';
  return {
    seq: m.seq,
    consumer: h(DLQ_HEADERS.consumer),
    subject: h(DLQ_HEADERS.subject),
    eventId: h(DLQ_HEADERS.eventId),
    tenant: h('tenant'),
    error: h(DLQ_HEADERS.error),
    deliveryCount: Number(h(DLQ_HEADERS.deliveryCount) || 0),
    failedAt: h(DLQ_HEADERS.failedAt),
  };
}

/** Walks the messages under `filter` as they are now, with an ordered (ephemeral) consumer. */
async function readEach(js: JetStreamClient, stream: string, filter: string, visit: (m: JsMsg) => Promise<void>): Promise<void> {
  // Ephemeral: the server removes it once idle. Deleting it by hand would make it recreate itself.
  const consumer = await js.consumers.get(stream, { filter_subjects: filter });
  for (;;) {
    let seen = 0;
    let drained = false;
    for await (const m of await consumer.fetch({ max_messages: 256, expires: 1000 })) {
      seen++;
      await visit(m);
      drained = m.info.pending === 0;
      if (drained) break;
    }
    if (seen === 0 || drained) return;
  }
}
