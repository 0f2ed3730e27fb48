// The dead-letter stream: its subjects, what a dead letter carries, and setting the stream up.
//
// Subjects: `dlq.<consumer>.<original subject>` for dead letters and `redrive.<consumer>.<original
// subject>` for dead letters sent back to one consumer (`dlq replay`). Each consumer adds its own
// `dlq.<consumer>.>` and `redrive.<consumer>.>` to the stream: nats-server 2.9 only accepts a
// consumer filter that is a subset of one stream subject, and a catch-all `dlq.>` would overlap
// TICKET_EVENTS' `*.ticket.ticket.event.*` for a tenant called `dlq` (JetStream refuses that).
import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { type MsgHdrs, headers as natsHeaders } from '@nats-io/transport-node';
import { nanos } from '../events/stream.js';

export const DLQ_HEADERS = {
  consumer: 'dlq-consumer',
  subject: 'dlq-subject',
  eventId: 'dlq-event-id',
  error: 'dlq-error',
  deliveryCount: 'dlq-delivery-count',
  stream: 'dlq-stream',
  streamSeq: 'dlq-stream-seq',
  failedAt: 'dlq-failed-at',
} as const;

export const dlqSubject = (consumer: string, originalSubject: string) => `dlq.${consumer}.${originalSubject}`;
export const redriveSubject = (consumer: string, originalSubject: string) => `redrive.${consumer}.${originalSubject}`;
export const dlqFilter = (consumer: string) => `dlq.${consumer}.>`;
export const redriveFilter = (consumer: string) => `redrive.${consumer}.>`;

/** The DLQ stream subjects one consumer needs. Its name is never `ticket` or `notification`, the event subjects' second token. */
export const dlqStreamSubjects = (consumer: string) => [dlqFilter(consumer), redriveFilter(consumer)];

/**
 * Every consumer this program has. Each process writes all their subjects to the DLQ stream, not
 * only its own: concurrent writers then write the same list, and none can drop another's.
 */
export const CONSUMER_NAMES = ['audit', 'notify', 'github'] as const;

/** The consumers with dead letters in a DLQ stream of these subjects. */
export const consumersIn = (subjects: readonly string[]) => subjects.flatMap((s) => /^dlq\.([^.]+)\.>$/.exec(s)?.slice(1) ?? []);

export type DeadLetterFacts = {
  consumer: string;
  originalSubject: string;
  eventId: string;
  error: string;
  deliveryCount: number;
  stream: string;
  streamSeq: number;
  failedAt: string;
};

/**
 * The original headers plus why and when it failed. Nats-Msg-Id is replaced: the event id would
 * make the DLQ stream drop the same event dead-lettered by a second consumer (or again after a
 * replay) as a duplicate; the event id stays in `dlq-event-id`.
 */
export function deadLetterHeaders(original: MsgHdrs | undefined, facts: DeadLetterFacts): MsgHdrs {
  const h = copyHeaders(original);
  h.set('Nats-Msg-Id', `dlq:${facts.consumer}:${facts.stream}:${facts.streamSeq}:${facts.failedAt}`);
  h.set(DLQ_HEADERS.consumer, facts.consumer);
  h.set(DLQ_HEADERS.subject, facts.originalSubject);
  h.set(DLQ_HEADERS.eventId, facts.eventId);
  h.set(DLQ_HEADERS.error, oneLine(facts.error));
  h.set(DLQ_HEADERS.deliveryCount, String(facts.deliveryCount));
  h.set(DLQ_HEADERS.stream, facts.stream);
  h.set(DLQ_HEADERS.streamSeq, String(facts.streamSeq));
  h.set(DLQ_HEADERS.failedAt, facts.failedAt);
  return h;
}

/** Headers of a dead letter sent back to its consumer; the id makes running the same replay twice harmless. */
export function redriveHeaders(deadLetter: MsgHdrs | undefined, dlqStream: string, dlqSeq: number): MsgHdrs {
  const h = copyHeaders(deadLetter);
  h.set('Nats-Msg-Id', `redrive:${dlqStream}:${dlqSeq}`);
  return h;
}

export function copyHeaders(original: MsgHdrs | undefined): MsgHdrs {
  const h = natsHeaders();
  if (!original) return h;
  for (const [key, values] of original) {
    if (key === 'Nats-Msg-Id') continue;
    for (const value of values) h.append(key, value);
  }
  return h;
}

/** Header values are one line; an error message may not be, and may be long. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 1000);
}

export type DlqStreamSettings = { name: string; replicas: number; maxAgeMs: number };

/**
 * Creates the DLQ stream, or adds the consumers' subjects to it. Every consumer of every process
 * does this at start, at the same moment on a fresh server: a create can find the stream just made
 * by another, so it reads again until the stream holds the subjects; and since every writer writes
 * every consumer's subjects, two updates cannot drop each other's.
 */
export async function ensureDlqStream(jsm: JetStreamManager, s: DlqStreamSettings, consumer: string): Promise<void> {
  const wanted = [...new Set([...CONSUMER_NAMES, consumer])].flatMap(dlqStreamSubjects);
  for (let attempt = 1; ; attempt++) {
    const existing = await jsm.streams.info(s.name).then(
      (info) => info.config,
      (error: unknown) => {
        if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return undefined;
        throw error;
      },
    );
    const subjects = [...new Set([...(existing?.subjects ?? []), ...wanted])];
    if (existing && subjects.length === (existing.subjects ?? []).length) return;
    try {
      if (existing) await jsm.streams.update(s.name, { ...existing, subjects });
      else {
        await jsm.streams.add({
          name: s.name,
          subjects,
          retention: RetentionPolicy.Limits,
          storage: StorageType.File,
          num_replicas: s.replicas,
          max_age: nanos(s.maxAgeMs),
        });
      }
    } catch (error) {
      // Another consumer changed the stream between the read and this write: read it again.
      if (attempt >= 20 || !(error instanceof JetStreamApiError)) throw error;
    }
  }
}
