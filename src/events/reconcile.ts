// Past JetStream's duplicate window a republish is a new message: before publishing, the relay reads which pending events the stream already holds.
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';

/**
 * The Nats-Msg-Id of each of the last `count` messages of the stream that captures `subject`
 * (fewer when it holds fewer).
 *
 * Only the relay publishes to the events stream, in outbox order, one batch at a time, and a batch's
 * mark has committed before the mark of the next one goes out: an event that reached the stream but
 * was never marked (the process died between the ack and the mark, or the ack was lost) is among the
 * stream's last two batches of messages. A headers-only ordered consumer (nats-server 2.9 has both)
 * reads them without their payloads. Fails, rather than answering with part of the tail, when the tail cannot be read
 * completely within `timeoutMs`.
 */
export async function streamTailIds(js: JetStreamClient, jsm: JetStreamManager, subject: string, count: number, timeoutMs = 10_000): Promise<Set<string>> {
  const ids = new Set<string>();
  const stream = await jsm.streams.find(subject);
  const { state } = await jsm.streams.info(stream);
  if (state.messages === 0 || state.last_seq < state.first_seq) return ids;
  const start = Math.max(state.first_seq, state.last_seq - count + 1);
  const consumer = await js.consumers.get(stream, { opt_start_seq: start, headers_only: true });
  try {
    // What the consumer has to deliver from `start` on (messages deleted inside the range do not count).
    const expected = (await consumer.info(true)).num_pending;
    if (expected === 0) return ids;
    const messages = await consumer.fetch({ max_messages: expected, expires: timeoutMs });
    let seen = 0;
    let complete = false;
    try {
      for await (const msg of messages) {
        const id = msg.headers?.get('Nats-Msg-Id');
        if (id) ids.add(id);
        seen++;
        if (seen >= expected || msg.info.pending === 0) {
          complete = true;
          break;
        }
      }
    } finally {
      messages.stop();
    }
    if (!complete) throw new Error(`reconcile: read ${seen} of the last ${expected} messages of ${stream} within ${timeoutMs} ms`);
    return ids;
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}
