// What the consumer tests share: a NATS link and a consumer store of their own, and events
// published straight to the stream the way the relay publishes them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import { pino } from 'pino';
import type { ConsumerSettings } from '../../src/config.js';
import { TicketEventSchema } from '../../src/gen/ticketpb/ticket_pb.js';
import { createMetrics } from '../../src/metrics.js';
import { type NatsLink, startNatsLink } from '../../src/nats/link.js';
import { type SqliteStore, openSqliteStore } from '../../src/store/sqlite/index.js';
import { waitFor } from './stream.js';
import type { Json } from './service.js';

export const silent = pino({ level: 'silent' });

export type LogLine = Json & { level: number; msg: string };

/**
 * A logger that keeps every line it writes, parsed, for a test to read what the code decided (the
 * delay a retry asked for, a file it found broken) instead of guessing it from the clock.
 */
export function recordingLog(level: pino.LevelWithSilent = 'warn'): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { log: pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) }), lines };
}

export type ConsumerRig = {
  link: NatsLink;
  store: SqliteStore;
  metrics: ReturnType<typeof createMetrics>;
  deps(settings: Partial<ConsumerSettings>): {
    link: NatsLink;
    store: SqliteStore['consumers'];
    settings: ConsumerSettings;
    stream: { name: string; replicas: number; maxAgeMs: number };
    log: typeof silent;
    metrics: ReturnType<typeof createMetrics>;
    now: () => Date;
  };
  stop(): Promise<void>;
};

/** A link to `stream` (created if missing) and a fresh SQLite consumer store. */
export async function consumerRig(url: string, stream: string): Promise<ConsumerRig> {
  const dir = mkdtempSync(join(tmpdir(), 'ticket-svc-consumers-'));
  const store = await openSqliteStore({ path: join(dir, 'consumers.db') });
  const link = startNatsLink(
    {
      servers: [url],
      credsFile: undefined,
      nkeySeed: undefined,
      name: 'consumer-test',
      stream: { name: stream, replicas: 1, maxAgeMs: 3_600_000, duplicateWindowMs: 120_000 },
    },
    silent,
  );
  await link.whenReady();
  const metrics = createMetrics('consumer-test');
  return {
    link,
    store,
    metrics,
    deps: (settings) => ({
      link,
      store: store.consumers,
      settings: { dlqStream: 'TICKET_DLQ', backoffBaseMs: 100, backoffMaxMs: 30_000, maxRetries: 5, ackWaitMs: 30_000, maxInFlight: 16, ...settings },
      stream: { name: stream, replicas: 1, maxAgeMs: 3_600_000 },
      log: silent,
      metrics,
      now: () => new Date(),
    }),
    async stop() {
      await link.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type RawEvent = { tenant: string; action: string; ticketId: string; eventId: string; customerId?: string; reason?: string; title?: string };

/** Publishes one event as the relay would: protobuf payload, contract headers, Nats-Msg-Id. */
export async function publishEvent(url: string, e: RawEvent): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const isNote = e.action === 'notification_requested';
    const subject = isNote ? `${e.tenant}.notification.notification.event.requested` : `${e.tenant}.ticket.ticket.event.${e.action}`;
    const schema = isNote ? 'notification.event.requested@v1' : `ticket.event.${e.action}@v1`;
    const payload = toBinary(
      TicketEventSchema,
      create(TicketEventSchema, {
        meta: {
          eventId: e.eventId,
          tenant: e.tenant,
          occurredAt: new Date().toISOString(),
          schema,
          correlationId: `corr-${e.eventId}`,
          actor: 'tester',
          action: e.action,
        },
        data: {
          id: e.ticketId,
          tenant: e.tenant,
          title: e.title ?? 'Printer on fire',
          priority: 'high',
          status: 'new',
          customerId: e.customerId ?? '',
          version: 1n,
        },
        ...(isNote || e.reason ? { notification: { reason: e.reason ?? 'severity_keyword', keywords: ['critical'] } } : {}),
        // An SLA change as the scheduler raises it: a threshold crossed.
        ...(e.action === 'sla_changed'
          ? { slaChange: { from: 'alert', to: 'breached', crossed: ['response_breach'], metric: 'breached', target: 'response' } }
          : {}),
      }),
    );
    const h = headers();
    h.set('Nats-Msg-Id', e.eventId);
    h.set('tenant', e.tenant);
    h.set('schema', schema);
    h.set('Content-Type', 'application/x-protobuf');
    h.set('correlation-id', `corr-${e.eventId}`);
    await jetstream(nc).publish(subject, payload, { headers: h });
  } finally {
    await nc.close();
  }
}

/** Waits until a durable has nothing pending and nothing unacknowledged. */
export async function caughtUp(url: string, stream: string, durable: string, timeoutMs = 15_000): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    await waitFor(
      async () => {
        const info = await jsm.consumers.info(stream, durable);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      `${durable} caught up`,
      timeoutMs,
    );
  } finally {
    await nc.close();
  }
}
