// SPEC §8: a failing consumer retries with exponential backoff, then dead-letters to TICKET_DLQ with the
// original headers, the error and the delivery count; `dlq replay` sends it back to that consumer only.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsumedEvent } from '../../src/consumers/consumedEvent.js';
import { redriveHeaders, redriveSubject } from '../../src/consumers/dlq.js';
import { listDeadLetters, replayDeadLetters } from '../../src/consumers/dlqCommands.js';
import { type RunningConsumer, startConsumer } from '../../src/consumers/runtime.js';
import { type ConsumerRig, type LogLine, caughtUp, consumerRig, publishEvent, recordingLog } from '../support/consumers.js';
import { type TestNats, startTestNats } from '../support/nats.js';
import { readStream, waitFor } from '../support/stream.js';

const STREAM = 'RUNTIME_EVENTS';
const DLQ = 'RUNTIME_DLQ';
let nats: TestNats;
let rig: ConsumerRig;

beforeAll(async () => {
  nats = await startTestNats();
  rig = await consumerRig(nats.url, STREAM);
});
afterAll(async () => {
  await rig?.stop();
  await nats?.stop();
});

type Attempt = { at: number; deliveryCount: number; event: ConsumedEvent };

/** A consumer that records every attempt and fails while `failing()` says so; `log` has what it logged. */
function recordingConsumer(name: string, failing: () => boolean, settings = {}) {
  const attempts: Attempt[] = [];
  const { log, lines } = recordingLog('warn');
  const running: RunningConsumer = startConsumer(
    {
      name,
      subscriptions: [{ durable: name, filter: '*.ticket.ticket.event.created' }],
      async handle(event, attempt) {
        attempts.push({ at: performance.now(), deliveryCount: attempt.deliveryCount, event });
        if (failing()) throw new Error(`receiver said no to ${event.eventId}`);
      },
    },
    { ...rig.deps({ dlqStream: DLQ, ...settings }), log },
  );
  return { attempts, running, log: lines };
}

describe('a consumer whose handler keeps failing', () => {
  let failing = true;
  const flaky = () => recordingConsumer('flaky', () => failing, { backoffBaseMs: 100, backoffMaxMs: 30_000, maxRetries: 5 });
  let consumer: ReturnType<typeof flaky>;
  const eventId = '0199aaaa-0000-7000-8000-000000000001';

  beforeAll(async () => {
    consumer = flaky();
    await publishEvent(nats.url, { tenant: 'acme', action: 'created', ticketId: 't-1', eventId });
    // 3.1 s of backoff on an idle machine; a busy one may take much longer.
    await waitFor(async () => (await deadLetters()).length === 1 || undefined, 'the dead letter', 90_000);
  }, 120_000);
  afterAll(async () => consumer?.running.stop());

  const deadLetters = async () => {
    const handles = rig.link.current();
    return handles ? listDeadLetters(handles.js, handles.jsm, DLQ, 'flaky') : [];
  };

  it('is tried exactly 1 + 5 times, with delivery counts 1 to 6', () => {
    expect(consumer.attempts.map((a) => a.deliveryCount)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('waits twice as long before each retry as before the previous one', () => {
    // What the consumer asked JetStream for (the nak delay, as it logs it), not what a clock saw:
    // a busy machine stretches every gap by a different amount.
    const asked = consumer.log
      .filter((l: LogLine) => l.consumer === 'flaky' && l.event_id === eventId && l.retry_in_ms !== undefined)
      .map((l) => [l.delivery, l.retry_in_ms]);
    expect(asked).toEqual([
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 800],
      [5, 1600],
    ]);
    // And it did wait: JetStream never redelivers before the nak delay. A lower bound only, since a
    // busy machine can make a wait longer, never shorter.
    const gaps = consumer.attempts.slice(1).map((a, i) => a.at - consumer.attempts[i]!.at);
    expect(gaps).toHaveLength(5);
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(asked[i]![1]! * 0.9);
  });

  it('lands in the dead-letter stream under dlq.<consumer>.<subject> with the original headers, the error and the delivery count', async () => {
    const [stored] = (await readStream(nats.url, DLQ)).filter((m) => m.headers['dlq-consumer'] === 'flaky');
    expect(stored!.subject).toBe('dlq.flaky.acme.ticket.ticket.event.created');
    expect(stored!.headers).toMatchObject({
      tenant: 'acme',
      schema: 'ticket.event.created@v1',
      'correlation-id': `corr-${eventId}`,
      'dlq-event-id': eventId,
      'dlq-subject': 'acme.ticket.ticket.event.created',
      'dlq-delivery-count': '6',
      'dlq-error': `receiver said no to ${eventId}`,
      'dlq-stream': STREAM,
    });
    expect(stored!.event.meta?.eventId).toBe(eventId);
    const [listed] = await deadLetters();
    expect(listed).toMatchObject({ consumer: 'flaky', eventId, tenant: 'acme', deliveryCount: 6, subject: 'acme.ticket.ticket.event.created' });
  });

  it('is terminated, so JetStream stops delivering it and the consumer moves on', async () => {
    await caughtUp(nats.url, STREAM, 'flaky');
    failing = false;
    await publishEvent(nats.url, { tenant: 'acme', action: 'created', ticketId: 't-2', eventId: '0199aaaa-0000-7000-8000-000000000002' });
    await waitFor(async () => consumer.attempts.some((a) => a.event.ticket?.id === 't-2'), 'the next event');
    expect(consumer.attempts.filter((a) => a.event.eventId === eventId)).toHaveLength(6);
  });

  it('is delivered again to that consumer alone by dlq replay, and leaves the dead letters', async () => {
    const bystander = recordingConsumer('bystander', () => false);
    await caughtUp(nats.url, STREAM, 'bystander');
    const before = bystander.attempts.length;
    const handles = rig.link.current()!;
    const replayed = await replayDeadLetters(handles.js, handles.jsm, DLQ, 'flaky');
    expect(replayed.map((l) => l.eventId)).toEqual([eventId]);
    const redelivered = await waitFor(
      async () => consumer.attempts.find((a) => a.event.eventId === eventId && a.deliveryCount === 1 && a !== consumer.attempts[0]),
      'the replayed event',
    );
    expect(redelivered.event.subject).toBe('acme.ticket.ticket.event.created');
    expect(redelivered.event.ticket?.id).toBe('t-1');
    expect(await deadLetters()).toEqual([]);
    await caughtUp(nats.url, DLQ, 'flaky_redrive');
    expect(await rig.store.consumers.isProcessed('flaky', eventId)).toBe(true);
    expect(bystander.attempts.length).toBe(before);
    await bystander.running.stop();
  });

  it('skips an event it already handled when it arrives again', async () => {
    const handles = rig.link.current()!;
    const count = consumer.attempts.length;
    const original = await handles.jsm.streams.getMessage(STREAM, { seq: 1 });
    const h = redriveHeaders(original!.header, DLQ, 999);
    h.set('dlq-subject', original!.subject);
    await handles.js.publish(redriveSubject('flaky', original!.subject), original!.data, { headers: h });
    await caughtUp(nats.url, DLQ, 'flaky_redrive');
    expect(consumer.attempts.length).toBe(count);
    expect(await rig.metrics.registry.getSingleMetricAsString('consumer_messages_processed_total')).toMatch(/consumer="flaky",outcome="duplicate"[^\n]* 1/);
  });
});

describe('events of one ticket', () => {
  it('are handled in order even when one needs retries, while other tickets go on meanwhile', async () => {
    const handled: string[] = [];
    const bDone = () => handled.includes('B:created') && handled.includes('B:updated');
    let failures = 0;
    const running = startConsumer(
      {
        name: 'ordered',
        subscriptions: [{ durable: 'ordered', filter: 'ordered.ticket.ticket.event.*' }],
        async handle(event) {
          const label = `${event.ticket!.id}:${event.meta.action}`;
          // A's first event fails at least once, and goes on failing until B's events are handled:
          // however slow the machine, B is handled during A's retries, or A runs out of them
          // (60 retries, about a minute) and is dead-lettered, never handled.
          if (label === 'A:created' && (failures === 0 || !bDone())) {
            failures++;
            throw new Error('not yet');
          }
          handled.push(label);
        },
      },
      rig.deps({ dlqStream: DLQ, backoffBaseMs: 100, backoffMaxMs: 1000, maxRetries: 60, maxInFlight: 16 }),
    );
    const events = [
      ['A', 'created'],
      ['A', 'updated'],
      ['B', 'created'],
      ['A', 'read'],
      ['B', 'updated'],
    ] as const;
    for (const [i, [ticketId, action]] of events.entries()) {
      await publishEvent(nats.url, { tenant: 'ordered', action, ticketId, eventId: `0199cccc-0000-7000-8000-00000000000${i}` });
    }
    await waitFor(async () => handled.includes('A:created') || undefined, 'A:created handled after B went on during its retries', 90_000);
    await waitFor(async () => handled.length === 5 || undefined, 'every event handled', 30_000);
    await running.stop();
    expect(failures).toBeGreaterThan(0);
    expect(handled.filter((h) => h.startsWith('A:'))).toEqual(['A:created', 'A:updated', 'A:read']);
    expect(handled.filter((h) => h.startsWith('B:'))).toEqual(['B:created', 'B:updated']);
    // B did not wait for A's retries, and A's later events did not overtake A:created.
    expect(handled.slice(0, 2)).toEqual(['B:created', 'B:updated']);
  }, 180_000);
});

describe('ticket-svc dlq (the command line)', () => {
  const cli = (...args: string[]) =>
    promisify(execFile)(process.execPath, ['dist/src/cli.js', 'dlq', ...args], {
      env: { ...process.env, NATS_URL: nats.url, DLQ_STREAM_NAME: DLQ, STREAM_NAME: STREAM },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('lists dead letters as one JSON line each', async () => {
    // With no retries every event the stream holds is dead-lettered at its first failure.
    const doomed = recordingConsumer('doomed', () => true, { maxRetries: 0 });
    await publishEvent(nats.url, { tenant: 'globex', action: 'created', ticketId: 't-9', eventId: '0199aaaa-0000-7000-8000-000000000009' });
    await caughtUp(nats.url, STREAM, 'doomed');
    await doomed.running.stop();
    const attempted = doomed.attempts.map((a) => a.event.eventId);
    const { code, stdout } = await cli('list', 'doomed');
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.eventId)).toEqual(attempted);
    expect(lines.at(-1)).toMatchObject({ consumer: 'doomed', tenant: 'globex', deliveryCount: 1, eventId: '0199aaaa-0000-7000-8000-000000000009' });
  });

  it('refuses a replay without a consumer name with its usage and exit code 2', async () => {
    const { code, stderr } = await cli('replay');
    expect(code).toBe(2);
    expect(stderr).toMatch(/usage: ticket-svc dlq list/);
  });
});

describe('a consumer across a NATS restart', () => {
  it('goes on consuming once the server is back', async (ctx) => {
    if (!nats.controllable) ctx.skip();
    const survivor = recordingConsumer('survivor', () => false);
    await publishEvent(nats.url, { tenant: 'acme', action: 'created', ticketId: 't-before', eventId: '0199dddd-0000-7000-8000-000000000001' });
    await waitFor(async () => survivor.attempts.some((a) => a.event.ticket?.id === 't-before'), 'the event before the restart', 60_000);
    await nats.kill();
    await nats.restart();
    await waitFor(
      async () => {
        await publishEvent(nats.url, { tenant: 'acme', action: 'created', ticketId: 't-after', eventId: '0199dddd-0000-7000-8000-000000000002' });
        return true;
      },
      'a publish after the restart',
      60_000,
    );
    await waitFor(async () => survivor.attempts.some((a) => a.event.ticket?.id === 't-after'), 'the event after the restart', 90_000);
    expect(survivor.attempts.filter((a) => a.event.ticket?.id === 't-after')).toHaveLength(1);
    await survivor.running.stop();
  }, 300_000);
});
