// Prometheus metrics: one registry per process, handed to whatever records into it.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CheckpointStats } from './store/sqlite/checkpointer.js';

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(serviceName: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service: serviceName });
  collectDefaultMetrics({ register: registry });
  const fastBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: fastBuckets,
      registers: [registry],
    }),
    httpErrors: new Counter({
      name: 'http_errors_total',
      help: 'HTTP error responses by stable error code',
      labelNames: ['code', 'status'] as const,
      registers: [registry],
    }),
    publishLatency: new Histogram({
      name: 'event_publish_latency_seconds',
      help: 'Time from a JetStream publish to its ack',
      buckets: fastBuckets,
      registers: [registry],
    }),
    commitToStream: new Histogram({
      name: 'event_commit_to_stream_seconds',
      help: 'Time from an event being committed to the outbox to its ack by the stream',
      buckets: fastBuckets,
      registers: [registry],
    }),
    eventsPublished: new Counter({
      name: 'events_published_total',
      help: 'Events published to the stream (duplicates absorbed by JetStream included)',
      labelNames: ['action'] as const,
      registers: [registry],
    }),
    eventsReconciled: new Counter({
      name: 'relay_events_reconciled_total',
      help: 'Pending events the relay found already in the stream when it reconciled, marked without a republish',
      registers: [registry],
    }),
    relayErrors: new Counter({
      name: 'relay_errors_total',
      help: 'Failed relay rounds (NATS unreachable, publish refused, store error)',
      registers: [registry],
    }),
    slaCrossings: new Counter({
      name: 'sla_thresholds_crossed_total',
      help: 'SLA thresholds the scheduler marked (alert, breach), each once across replicas',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    relayLeader: new Gauge({
      name: 'relay_leader',
      help: '1 while this process is the relay that publishes (the leader among replicas), else 0',
      registers: [registry],
    }),
    outboxBacklog: new Gauge({
      name: 'outbox_backlog',
      help: 'Events committed but not yet acknowledged by the stream',
      registers: [registry],
    }),
    consumerProcessed: new Counter({
      name: 'consumer_messages_processed_total',
      help: 'Messages a consumer finished: handled, or skipped as already processed (duplicate)',
      labelNames: ['consumer', 'outcome'] as const,
      registers: [registry],
    }),
    consumerRetried: new Counter({
      name: 'consumer_messages_retried_total',
      help: 'Failed attempts handed back to JetStream for a delayed redelivery',
      labelNames: ['consumer'] as const,
      registers: [registry],
    }),
    consumerDeadLettered: new Counter({
      name: 'consumer_messages_dead_lettered_total',
      help: 'Messages moved to the dead-letter stream after their last attempt',
      labelNames: ['consumer'] as const,
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: 'consumer_lag',
      help: 'Messages waiting for the consumer (num_pending at the last delivery)',
      labelNames: ['consumer', 'durable'] as const,
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, failed, refused)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    liveClients: new Gauge({
      name: 'live_clients',
      help: 'Open live-alert WebSocket connections',
      registers: [registry],
    }),
    liveDropped: new Counter({
      name: 'live_clients_dropped_total',
      help: 'Live-alert clients dropped for reading too slowly',
      registers: [registry],
    }),
  };
}

/** The SQLite checkpoint thread's figures, read when /metrics is scraped. */
export function registerCheckpointMetrics(registry: Registry, read: () => CheckpointStats | undefined): void {
  // Counts kept by the checkpointer, shown as counters: set to its figure at each scrape.
  const counter = (name: string, help: string, value: (stats: CheckpointStats) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const stats = read();
        if (!stats) return;
        this.reset();
        this.inc(value(stats));
      },
    });
  const gauge = (name: string, help: string, value: (stats: CheckpointStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const stats = read();
        if (stats) this.set(value(stats));
      },
    });
  counter('sqlite_wal_checkpoints_total', 'WAL checkpoints the checkpoint thread finished', (s) => s.runs);
  counter(
    'sqlite_wal_checkpoints_skipped_total',
    "Checkpoints not run because another connection was checkpointing (a commit's backstop, another process)",
    (s) => s.skipped,
  );
  counter('sqlite_wal_checkpoint_failures_total', 'WAL checkpoints that failed (commits then checkpoint by themselves past the backstop)', (s) => s.failures);
  gauge('sqlite_wal_frames', 'Frames in the SQLite WAL when the last checkpoint ran (it starts over once all are copied and a commit begins)', (s) => s.frames);
  gauge('sqlite_wal_frames_uncopied', 'Frames the last checkpoint could not copy yet (a reader still needed them)', (s) => s.frames - s.copied);
  gauge('sqlite_checkpoint_thread_up', '1 while the checkpoint thread runs (it ends after a quiet spell)', (s) => (s.threadUp ? 1 : 0));
}
