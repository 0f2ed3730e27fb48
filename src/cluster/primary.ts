// API workers: the primary forks one process per worker (Node's cluster, which shares the
// listening socket among them), answers what they ask (shared writes, rate limits, the group's
// readiness and metrics), replaces a worker that dies, and stops them all first on shutdown.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { RateLimiter } from '../rateLimit/port.js';
import type { MetricsJson, PrimaryMethods, Readiness, WorkerMethods } from './protocol.js';
import { type Rpc, createRpc } from './rpc.js';
import { type Writer, sharedWritesInto } from '../store/sqlite/writer.js';

/** Marks a process forked as an API worker (cluster also sets NODE_UNIQUE_ID, for any fork). */
export const WORKER_ENV = 'TICKET_SVC_API_WORKER';

export type PrimaryServices = {
  /** SQLite: the writer the workers share. */
  writer: Writer | undefined;
  /** The in-process rate limiter the workers share (SQLite with limits on). */
  rateLimiter: RateLimiter | undefined;
  /** The primary's own readiness (store, NATS). */
  readiness: () => Promise<Readiness>;
  metrics: () => Promise<MetricsJson>;
};

export type WorkerPool = {
  port: number;
  /** SIGTERM to every worker; each drains its requests. Waits for them, then SIGKILLs what is left. */
  stop(timeoutMs: number): Promise<void>;
  readiness(): Promise<Readiness>;
  metricsText(): Promise<string>;
};

/** A worker that does not answer a readiness or metrics question within this is counted as not ready. */
const ASK_TIMEOUT_MS = 2000;
/** A worker that dies within this of its start counts as failing to start. */
const QUICK_DEATH_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** How long the workers may take to listen at start (opening the store, connecting). */
const START_TIMEOUT_MS = 120_000;

export async function startApiWorkers({
  count,
  entry,
  env,
  log,
  services,
}: {
  count: number;
  /** The program the workers run: this one. */
  entry: string;
  /** More environment for the workers (the primary's generated secrets). */
  env: Record<string, string>;
  log: Logger;
  services: PrimaryServices;
}): Promise<WorkerPool> {
  cluster.setupPrimary({ exec: entry, serialization: 'advanced' });
  const workers = new Map<number, { worker: Worker; rpc: Rpc<WorkerMethods>; listening: boolean }>();
  let stopping = false;
  let quickDeaths = 0;
  let port = 0;
  let started: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const startedPromise = new Promise<void>((resolve, reject) => {
    started = { resolve, reject };
  });

  const readiness = async (): Promise<Readiness> => {
    const own = await services.readiness();
    const answers = await Promise.all([...workers.values()].map(({ rpc }) => rpc.call('ready', null, ASK_TIMEOUT_MS).catch(() => undefined)));
    const ready = answers.filter((a) => a?.ok).length;
    const checks: Record<string, string> = { ...own.checks, workers: `${ready}/${count} ready` };
    for (const a of answers) for (const [name, value] of Object.entries(a?.checks ?? {})) if (value !== 'ok') checks[name] = value;
    return { ok: own.ok && ready === count, checks };
  };

  const metricsText = async (): Promise<string> => {
    const parts = await Promise.all([services.metrics(), ...[...workers.values()].map(({ rpc }) => rpc.call('metrics', null, ASK_TIMEOUT_MS).catch(() => []))]);
    return AggregatorRegistry.aggregate(parts).metrics();
  };

  const methods: Omit<PrimaryMethods, 'writes'> = {
    rateTake: (tenant) => {
      if (!services.rateLimiter) throw new Error('rate limits are off');
      return services.rateLimiter.take(tenant);
    },
    ready: readiness,
    metrics: metricsText,
    listening: () => undefined,
  };

  const fork = (index: number) => {
    const worker = cluster.fork({ ...env, [WORKER_ENV]: String(index) });
    const entry = {
      worker,
      listening: false,
      rpc: createRpc<WorkerMethods>(worker, {
        ...methods,
        // Each worker's statements are numbered by that worker: a decoder per worker.
        writes: services.writer ? sharedWritesInto(services.writer) : () => Promise.reject(new Error('this store has no shared writer')),
        listening: (at: number) => {
          port = at;
          entry.listening = true;
          if ([...workers.values()].every((w) => w.listening)) started?.resolve();
        },
      }),
    };
    workers.set(worker.id, entry);
    const forkedAt = Date.now();
    // Answering a worker that just died fails on the channel; that worker is gone either way.
    worker.on('error', (err) => log.debug({ operation: 'api_worker', worker: index, err }, 'IPC with an API worker failed'));
    worker.on('exit', (code, signal) => {
      entry.rpc.close();
      workers.delete(worker.id);
      if (stopping) return;
      if (!entry.listening && started) {
        // A worker that cannot even start will not start the next time either.
        started.reject(new Error(`API worker ${index} exited before it listened (code ${code}, signal ${signal})`));
        return;
      }
      // A worker that keeps dying soon after it starts (a full disk, no file descriptors) is started
      // again after a growing pause, not in a tight loop.
      quickDeaths = Date.now() - forkedAt < QUICK_DEATH_MS ? quickDeaths + 1 : 0;
      const delayMs = quickDeaths === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** (quickDeaths - 1));
      log.warn({ operation: 'api_worker', worker: index, code, signal, restart_in_ms: delayMs }, 'an API worker exited; starting another');
      setTimeout(() => {
        if (!stopping) fork(index);
      }, delayMs);
    });
  };

  for (let i = 1; i <= count; i++) fork(i);
  // A worker that hangs before it listens would keep the group starting for ever.
  const startTimer = setTimeout(() => started?.reject(new Error(`the API workers did not all listen within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  try {
    await startedPromise;
    clearTimeout(startTimer);
  } catch (error) {
    clearTimeout(startTimer);
    stopping = true;
    for (const { worker } of workers.values()) worker.process.kill('SIGKILL');
    throw error;
  }
  started = undefined;

  return {
    port,
    readiness,
    metricsText,
    async stop(timeoutMs) {
      stopping = true;
      const exits = [...workers.values()].map(
        ({ worker }) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      );
      const timer = setTimeout(() => {
        for (const { worker } of workers.values()) if (!worker.isDead()) worker.process.kill('SIGKILL');
      }, timeoutMs + 1000);
      await Promise.all(exits);
      clearTimeout(timer);
    },
  };
}
