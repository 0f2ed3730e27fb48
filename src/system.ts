// The composition root: config in, the chosen components wired and started, one stop() for all.
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { startConsumers } from './consumers/index.js';
import { createLiveHub } from './consumers/live/hub.js';
import { startRelay } from './events/relay.js';
import { watchPolicyFile } from './settings/policyFile.js';
import { createTenantSettings } from './settings/tenantSettings.js';
import { startSlaScheduler } from './sla/scheduler.js';
import { createApp } from './http/app.js';
import { createNodeServer } from './http/nodeServer.js';
import { createUuidV7 } from './ids.js';
import { createLogger } from './logger.js';
import { createMetrics, registerCheckpointMetrics } from './metrics.js';
import { createAttachmentBytes } from './nats/attachmentBytes.js';
import { startNatsLink } from './nats/link.js';
import { type NatsServerProcess, startLocalNatsIfAbsent } from './nats/localServer.js';
import { openRateLimiter } from './rateLimit/open.js';
import { openStore } from './store/open.js';
import { createCommandHandler } from './commands/commandHandler.js';
import { createLiveTickets } from './http/liveTickets.js';
import { startTicketService } from './nats/ticketService.js';
import { serviceVersion } from './version.js';
import { LIVE_TICKET_TTL_MS } from './http/routes/live.js';
import { WORKER_ENV, type WorkerPool, startApiWorkers } from './cluster/primary.js';
import { type PrimaryLink, type WorkerAnswers, connectToPrimary } from './cluster/worker.js';
import type { Component } from './config.js';

/**
 * How this process takes part: `single` runs every chosen component itself; with API_WORKERS > 1 the
 * `primary` runs all but the HTTP ones and forks `worker`s that serve `api` and `live`.
 */
export type Role = 'single' | 'primary' | 'worker';

/** The components that serve HTTP, and so run in the API workers. */
const HTTP_COMPONENTS: ReadonlySet<Component> = new Set(['api', 'live']);

export type System = {
  role: Role;
  url: string;
  /** The SLA scheduler when this process runs the `sla` component (tests drive a pass with it). */
  sla: { runOnce(at?: Date): Promise<number> } | undefined;
  /** The idle-rule scan when this process runs the `automations` component (tests drive a pass with it). */
  automations: { runOnce(at?: Date): Promise<number> } | undefined;
  port: number;
  log: Logger;
  /** Graceful: stop accepting, finish in-flight requests, flush the relay, close NATS and the store. */
  stop(): Promise<void>;
};

/**
 * `opts.workerEntry`: the program API workers run (the entry that called this). Without it, as in
 * tests that start the system in their own process, the API runs here whatever API_WORKERS says.
 */
export async function startSystem(config: Config, opts: { log?: Logger; workerEntry?: string } = {}): Promise<System> {
  const role: Role =
    cluster.isWorker && process.env[WORKER_ENV] !== undefined
      ? 'worker'
      : config.apiWorkers > 1 && config.components.has('api') && opts.workerEntry
        ? 'primary'
        : 'single';
  const components = new Set(
    [...config.components].filter((c) => (role === 'primary' ? !HTTP_COMPONENTS.has(c) : role === 'worker' ? HTTP_COMPONENTS.has(c) : true)),
  );
  const baseLog = opts.log ?? createLogger({ level: config.logLevel, service: config.serviceName });
  const log = role === 'worker' ? baseLog.child({ worker: Number(process.env[WORKER_ENV]) }) : baseLog;
  const metrics = createMetrics(config.serviceName);
  // Live tickets redeem in any worker of the group: the workers get the primary's secret.
  const liveTicketSecret = config.liveTicketSecret ?? randomBytes(32).toString('base64url');
  // A worker answers its primary's questions with parts made below.
  let answers: WorkerAnswers | undefined;
  const primary: PrimaryLink | undefined =
    role === 'worker'
      ? connectToPrimary(() => {
          if (!answers) throw new Error('still starting');
          return answers;
        })
      : undefined;

  let localNats: NatsServerProcess | undefined;
  // The primary has started one already, if one was needed.
  if (config.nats.autostart && role !== 'worker') {
    // A nats-server that will not start is no reason to stop: the API works without NATS, events wait.
    const outcome = await startLocalNatsIfAbsent({ servers: config.nats.servers, dataDir: config.dataDir, bin: config.nats.serverBin }).catch(
      (error: unknown) => {
        log.error(
          { operation: 'nats', reason: (error as Error).message },
          'could not start a local nats-server; running without NATS until one answers at NATS_URL',
        );
        return 'failed' as const;
      },
    );
    if (typeof outcome === 'object') {
      localNats = outcome;
      log.info({ operation: 'nats', url: outcome.url, pid: outcome.child.pid }, 'started a local nats-server child');
    } else if (outcome === 'no_binary') {
      log.warn({ operation: 'nats' }, 'nothing answers at NATS_URL and nats-server is not on PATH; events wait in the outbox');
    }
  }

  const store = await openStore(config, log, { sharedWriter: config.databaseUrl ? undefined : primary?.writer });
  if (store.checkpoints?.()) registerCheckpointMetrics(metrics.registry, store.checkpoints);
  // With PostgreSQL any number of processes may run the relay; only the advisory-lock holder publishes.
  const relays = components.has('relay');
  const leadership =
    relays && config.databaseUrl
      ? (await import('./store/postgres/leadership.js')).startAdvisoryLeadership({
          url: config.databaseUrl,
          applicationName: config.serviceName,
          log,
          onChange: (held) => metrics.relayLeader.set(held ? 1 : 0),
        })
      : undefined;
  if (relays && !config.databaseUrl) metrics.relayLeader.set(1);
  const link = startNatsLink(
    { servers: config.nats.servers, credsFile: config.nats.credsFile, nkeySeed: config.nats.nkeySeed, name: config.serviceName, stream: config.stream },
    log,
  );
  const relay = relays ? startRelay(store, link, config.relay, log, metrics, leadership) : undefined;
  const newId = createUuidV7();
  const policy = await watchPolicyFile(config.sla.configPath, log);
  const settings = createTenantSettings(store, {
    policy: () => policy.current().policy,
    calendars: policy.current,
    alertThreshold: config.sla.alertThreshold,
    severityKeywords: config.severityKeywords,
  });
  const now = () => new Date();
  const commands = createCommandHandler({ store, settings, now, newId });
  const sla = components.has('sla') ? startSlaScheduler(store, commands, { intervalMs: config.sla.scanIntervalMs, now }, log, metrics) : undefined;
  const consumers = startConsumers(
    {
      components,
      webhooks: config.webhooks,
      notifyDedupeWindowMs: config.notifyDedupeWindowMs,
      userAgent: `${config.serviceName}/1`,
      github: config.github && { settings: config.github, commands },
      automations: { tickets: store, commands, idleScanMs: config.sla.scanIntervalMs },
    },
    { link, store: store.consumers, settings: config.consumers, stream: config.stream, log, metrics, now: () => new Date() },
  );

  const live = components.has('live') ? createLiveHub({ link, log, metrics, maxBufferedBytes: config.liveMaxBufferedBytes }) : undefined;
  // Loaded only where `live` runs: the WebSocket adapter and `ws` weigh megabytes of memory.
  const nodeWebSocket = live && (await import('@hono/node-ws')).createNodeWebSocket;
  // SQLite keeps budgets in memory: the primary's, which every worker spends.
  const rateLimiter = primary && config.rateLimit && !config.databaseUrl ? primary.rateLimiter : await openRateLimiter(config, log);
  const ownReadiness = async () => {
    const checks: Record<string, string> = {};
    let ok = true;
    try {
      await store.ping();
      checks.store = 'ok';
    } catch (error) {
      ok = false;
      checks.store = (error as Error).message;
    }
    const nats = await link.check();
    checks.nats = nats.ok ? 'ok' : nats.reason;
    return { ok: ok && nats.ok, checks };
  };
  let natsApi: { stop(): Promise<void> } | undefined;
  const ownMetrics = () => metrics.registry.getMetricsAsJSON();
  answers = { readiness: ownReadiness, metrics: ownMetrics };
  let stopping: Promise<void> | undefined;
  const purge =
    role === 'worker'
      ? undefined
      : setInterval(() => {
          const before = new Date(Date.now() - config.idempotencyTtlMs).toISOString();
          store.purgeIdempotency(before).catch((err: unknown) => log.warn({ operation: 'purge_idempotency', err }, 'purge failed'));
        }, 10 * 60_000);
  purge?.unref();

  const finish = ({ port, server, pool }: { port: number; server?: Server; pool?: WorkerPool }): System => {
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    // One line for the process group: a worker says it listens at debug level only.
    log[role === 'worker' ? 'debug' : 'info'](
      {
        operation: 'start',
        port,
        components: [...config.components],
        ...(pool ? { api_workers: config.apiWorkers } : {}),
        store: config.databaseUrl ? 'postgres' : config.dbPath,
        ...(config.databaseUrl ? {} : { sqlite_writer: config.sqliteWriter, sqlite_checkpoint_ms: config.sqliteCheckpointMs }),
      },
      'ticket-svc listening',
    );
    const stop = () =>
      (stopping ??= (async () => {
        log.info({ operation: 'shutdown' }, 'shutting down: draining requests');
        clearInterval(purge);
        // The workers first: their requests still write through this process's store.
        await pool?.stop(config.shutdownTimeoutMs);
        await natsApi?.stop();
        // Upgraded sockets would keep the server from closing.
        await live?.stop();
        if (server) await closeServer(server, config.shutdownTimeoutMs);
        policy.stop();
        await sla?.stop();
        await relay?.stop(config.shutdownTimeoutMs);
        await consumers.stop();
        await leadership?.stop();
        await link.stop();
        await rateLimiter?.close();
        await store.close();
        await localNats?.stop();
        log.info({ operation: 'shutdown' }, 'stopped');
        log.flush();
      })());
    return { role, url: `http://${host}:${port}`, port, log, sla, automations: consumers.idleScan, stop };
  };

  if (role === 'primary') {
    const pool = await startApiWorkers({
      count: config.apiWorkers,
      entry: opts.workerEntry!,
      env: { LIVE_TICKET_SECRET: liveTicketSecret },
      log,
      services: {
        writer: store.writer,
        rateLimiter,
        readiness: ownReadiness,
        metrics: ownMetrics,
      },
    });
    return finish({ port: pool.port, pool });
  }

  const app = createApp({
    commands,
    store,
    consumerStore: store.consumers,
    allowPrivateWebhooks: config.webhooks.allowPrivate,
    log,
    metrics,
    tenantHeader: config.tenantHeader,
    auth: config.auth,
    settings,
    attachments: { bytes: createAttachmentBytes(link, { replicas: config.stream.replicas }), maxBytes: config.maxAttachmentBytes },
    idempotencyTtlMs: config.idempotencyTtlMs,
    bodyLimitBytes: config.bodyLimitBytes,
    rateLimiter,
    serviceName: config.serviceName,
    api: components.has('api'),
    live: live && nodeWebSocket ? { hub: live, nodeWebSocket, tickets: createLiveTickets(liveTicketSecret, LIVE_TICKET_TTL_MS) } : undefined,
    draining: () => stopping !== undefined,
    now: () => new Date(),
    newId,
    readiness: primary ? () => primary.readiness() : ownReadiness,
    metricsText: primary ? () => primary.metricsText() : undefined,
  });

  // The native NATS API answers wherever the HTTP API does, through the same app.
  natsApi = components.has('api')
    ? startTicketService({
        link,
        fetch: (path, init) => Promise.resolve(app.request(path, init, {})),
        tenantHeader: config.tenantHeader,
        version: serviceVersion(),
        log,
      })
    : undefined;
  const server = createNodeServer(getRequestListener(app.fetch, { hostname: config.host }), { requestTimeoutMs: config.requestTimeoutMs, log });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  app.injectWebSocket(server);
  const port = (server.address() as AddressInfo).port;
  if (primary) await primary.listening(port);
  return finish({ port, server });
}

/** Stops accepting, lets in-flight requests finish, and cuts what is left at the deadline. */
function closeServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
    }, timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
