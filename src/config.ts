// Environment → one validated, typed config object. The only module that reads process.env.
import { resolve } from 'node:path';
import { z } from 'zod';
import { usableCores } from './cores.js';

export const COMPONENTS = ['api', 'relay', 'sla', 'audit', 'notify', 'live', 'github', 'automations'] as const;
export type Component = (typeof COMPONENTS)[number];

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.string().regex(/^\d+$/, 'a whole number').transform(Number).pipe(z.number().min(min).max(max));
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration like 500ms, 2m, 7d')
  .transform(parseDurationMs);

const schema = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DB_PATH: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .url()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
    .optional(),
  DATABASE_POOL_SIZE: int(1, 1000).default(10),
  SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  SQLITE_BUSY_TIMEOUT_MS: int(0, 60000).default(5000),
  SQLITE_WRITER: z.enum(['auto', 'thread', 'inline']).default('auto'),
  SQLITE_CHECKPOINT_MS: int(0, 60000).default(100),
  TICKET_CACHE_SIZE: int(0, 1_000_000).default(10_000),
  HEAP_GROWTH_PERCENT: int(0, 300).default(100),
  NATS_URL: list.pipe(z.array(z.string().regex(/^(nats|tls|wss?):\/\/[^\s]+$/, 'nats://host:port')).min(1)).default(['nats://127.0.0.1:4222']),
  NATS_CREDS: z.string().min(1).optional(),
  NATS_NKEY: z.string().min(1).optional(),
  NATS_AUTOSTART: bool.default(true),
  NATS_SERVER_BIN: z.string().min(1).optional(),
  SERVICE_NAME: z.string().min(1).default('ticket-svc'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  X_TENANT_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name')
    .default('X-Tenant-ID'),
  COMPONENTS: list.pipe(z.array(z.enum(COMPONENTS)).min(1)).default([...COMPONENTS]),
  API_WORKERS: z.union([z.literal('auto'), int(1, 256)], { message: "'auto' or a whole number 1–256" }).default('auto'),
  AUTH_MODE: z.enum(['header', 'jwt']).default('header'),
  JWT_SECRET: z.string().min(32, 'at least 32 characters (HS256 needs a 256-bit secret)').optional(),
  JWT_JWKS_URL: z
    .string()
    .url()
    .regex(/^https?:\/\//, 'an http(s) URL')
    .optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  SEVERITY_KEYWORDS: list.pipe(z.array(z.string().min(1).max(64)).min(1)).default(['critical', 'major']),
  STREAM_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -')
    .default('TICKET_EVENTS'),
  STREAM_REPLICAS: int(1, 5).default(1),
  STREAM_MAX_AGE: duration.prefault('30d'),
  STREAM_DUPLICATE_WINDOW: duration.prefault('2m'),
  RELAY_BATCH_SIZE: int(1, 10000).default(1024),
  RELAY_MAX_IN_FLIGHT: int(1, 10000).default(256),
  RELAY_POLL_MS: int(10, 60000).default(250),
  SLA_CONFIG_PATH: z.string().min(1).optional(),
  SLA_ALERT_THRESHOLD: z
    .string()
    .regex(/^(0?\.\d+|1(\.0+)?)$/, 'a fraction between 0 and 1, like 0.85')
    .transform(Number)
    .pipe(z.number().gt(0, 'more than 0').lte(1))
    .default(0.85),
  SLA_SCAN_INTERVAL_MS: int(100, 3_600_000).default(30_000),
  MAX_ATTACHMENT_MB: int(1, 4096).default(10),
  IDEMPOTENCY_TTL: duration.prefault('24h'),
  SHUTDOWN_TIMEOUT_MS: int(100, 600000).default(10000),
  BODY_LIMIT_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  REQUEST_TIMEOUT_MS: int(1000, 3_600_000).default(60_000),
  RATE_LIMIT_PER_TENANT: int(0, 1_000_000).default(0),
  RATE_LIMIT_BURST: int(1, 10_000_000).optional(),
  DLQ_STREAM_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -')
    .default('TICKET_DLQ'),
  CONSUMER_BACKOFF_BASE_MS: int(1, 60000).default(100),
  CONSUMER_BACKOFF_MAX_MS: int(1, 3600000).default(30000),
  CONSUMER_MAX_RETRIES: int(0, 100).default(5),
  CONSUMER_ACK_WAIT_MS: int(1000, 3600000).default(30000),
  CONSUMER_MAX_IN_FLIGHT: int(1, 1024).default(64),
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  GITHUB_TOKEN: z.string().min(1).optional(),
  GITHUB_API_URL: z
    .string()
    .url()
    .regex(/^https?:\/\//, 'an http(s) URL')
    .default('https://api.github.com'),
  GITHUB_REPO: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/repo')
    .optional(),
  GITHUB_TIMEOUT_MS: int(100, 60000).default(5000),
  WEBHOOK_TIMEOUT_MS: int(100, 60000).default(5000),
  NOTIFY_DEDUPE_WINDOW: duration.prefault('5m'),
  LIVE_MAX_BUFFERED_BYTES: int(1024, 256 * 1024 * 1024).default(1024 * 1024),
  LIVE_TICKET_SECRET: z.string().min(32, 'at least 32 characters').optional(),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  dbPath: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  sqliteBusyTimeoutMs: number;
  /** Where SQLite commits run: a writer thread or the request thread (`auto`: by core count, writerFor). */
  sqliteWriter: 'thread' | 'inline';
  /** SQLite: at most how often a thread of its own checkpoints the WAL while commits come, ms; 0 leaves it to the commits. */
  sqliteCheckpointMs: number;
  /** SQLite: tickets kept decoded in memory for reads; 0 reads every ticket from the file. */
  ticketCacheSize: number;
  /** How far the JS heap may grow past what the last full collection kept, in %; 0 leaves it to V8. */
  heapGrowthPercent: number;
  nats: {
    servers: string[];
    credsFile: string | undefined;
    nkeySeed: string | undefined;
    autostart: boolean;
    serverBin: string | undefined;
  };
  serviceName: string;
  logLevel: string;
  tenantHeader: string;
  components: ReadonlySet<Component>;
  /** HTTP worker processes serving `api` (and `live`) over one store; 1: the API runs in this process. */
  apiWorkers: number;
  auth: { mode: 'header' } | { mode: 'jwt'; secret: string | undefined; jwksUrl: string | undefined; issuer: string | undefined; audience: string | undefined };
  severityKeywords: string[];
  stream: { name: string; replicas: number; maxAgeMs: number; duplicateWindowMs: number };
  relay: { batchSize: number; maxInFlight: number; pollMs: number };
  sla: { configPath: string | undefined; alertThreshold: number; scanIntervalMs: number };
  maxAttachmentBytes: number;
  idempotencyTtlMs: number;
  shutdownTimeoutMs: number;
  bodyLimitBytes: number;
  /** How long a client may take to send a whole request (headers and body) before it is cut off, ms. */
  requestTimeoutMs: number;
  /** Requests per second each tenant may make, and the burst above that rate; undefined: no limit. */
  rateLimit: { perSecond: number; burst: number } | undefined;
  consumers: ConsumerSettings;
  webhooks: { allowPrivate: boolean; timeoutMs: number };
  /** Set when GITHUB_TOKEN is: the github consumer runs only then. */
  github: { token: string; apiUrl: string; repo: string; timeoutMs: number } | undefined;
  notifyDedupeWindowMs: number;
  liveMaxBufferedBytes: number;
  /** Signs live WebSocket tickets; undefined: a random one per process group. */
  liveTicketSecret: string | undefined;
};

/** What every consumer shares: where dead letters go and how failed messages are retried. */
export type ConsumerSettings = {
  dlqStream: string;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxRetries: number;
  ackWaitMs: number;
  /** Messages a durable has out at once (max_ack_pending); tickets in parallel, each ticket in order. */
  maxInFlight: number;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
  }
}

/**
 * SQLITE_WRITER=auto. A writer thread takes statements and fsync off the request thread, but every
 * write then crosses between threads and back, and the two connections each read what the other
 * wrote. With two cores or fewer, which the service shares with whatever else runs there, that
 * crossing costs more than the thread gives (docs/performance-notes.md).
 * The cores are the ones this process may use, a container's CPU limit included (cores.ts).
 */
export function writerFor(cores: number): 'thread' | 'inline' {
  return cores > 2 ? 'thread' : 'inline';
}

/**
 * API_WORKERS=auto: a worker per usable core. With two cores or fewer, which the workers would share
 * with the primary (writer, relay, consumers) and whatever else runs there, the crossing of every
 * write from a worker to the primary costs more than a second event loop gives
 * (docs/performance-notes.md), so the API stays in one process there.
 */
export function workersFor(cores: number): number {
  return cores > 2 ? cores : 1;
}

/** Reads the environment once; throws ConfigError with one line per bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.keys(schema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    // One line per variable, however many of its list entries are wrong.
    const messages = new Map<string, string[]>();
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'environment');
      messages.set(name, [...(messages.get(name) ?? []), issue.message]);
    }
    throw new ConfigError([...messages].map(([name, list]) => `${name}=${JSON.stringify(env[name] ?? '')}: ${[...new Set(list)].join('; ')}`));
  }
  const e = parsed.data;
  if (e.GITHUB_TOKEN && !e.GITHUB_REPO) {
    throw new ConfigError([`GITHUB_REPO="": required with GITHUB_TOKEN (owner/repo, where the github consumer opens issues)`]);
  }
  if (e.AUTH_MODE === 'jwt' && !e.JWT_SECRET === !e.JWT_JWKS_URL) {
    throw new ConfigError([`AUTH_MODE=jwt: set exactly one of JWT_SECRET (HS256) and JWT_JWKS_URL (key set)`]);
  }
  if (e.DB_PATH === ':memory:' && typeof e.API_WORKERS === 'number' && e.API_WORKERS > 1) {
    throw new ConfigError([`API_WORKERS=${e.API_WORKERS}: an in-memory DB_PATH cannot be shared by worker processes (use 1, or a file)`]);
  }
  if (e.DLQ_STREAM_NAME === e.STREAM_NAME) {
    throw new ConfigError([`DLQ_STREAM_NAME=${JSON.stringify(e.DLQ_STREAM_NAME)}: must differ from STREAM_NAME`]);
  }
  const dataDir = resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    dbPath: e.DB_PATH === ':memory:' ? ':memory:' : resolve(e.DB_PATH ?? `${dataDir}/ticket-svc.db`),
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    sqliteSynchronous: e.SQLITE_SYNCHRONOUS,
    sqliteBusyTimeoutMs: e.SQLITE_BUSY_TIMEOUT_MS,
    // An in-memory database cannot be shared with a thread (the store holds to that too).
    sqliteWriter: e.DB_PATH === ':memory:' ? 'inline' : e.SQLITE_WRITER === 'auto' ? writerFor(usableCores()) : e.SQLITE_WRITER,
    sqliteCheckpointMs: e.SQLITE_CHECKPOINT_MS,
    ticketCacheSize: e.TICKET_CACHE_SIZE,
    heapGrowthPercent: e.HEAP_GROWTH_PERCENT,
    nats: {
      servers: e.NATS_URL,
      credsFile: e.NATS_CREDS,
      nkeySeed: e.NATS_NKEY,
      autostart: e.NATS_AUTOSTART,
      serverBin: e.NATS_SERVER_BIN,
    },
    serviceName: e.SERVICE_NAME,
    logLevel: e.LOG_LEVEL,
    tenantHeader: e.X_TENANT_HEADER,
    components: new Set(e.COMPONENTS),
    apiWorkers: e.API_WORKERS === 'auto' ? (e.DB_PATH === ':memory:' ? 1 : workersFor(usableCores())) : e.API_WORKERS,
    auth:
      e.AUTH_MODE === 'jwt'
        ? { mode: 'jwt', secret: e.JWT_SECRET, jwksUrl: e.JWT_JWKS_URL, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE }
        : { mode: 'header' },
    severityKeywords: e.SEVERITY_KEYWORDS.map((k) => k.toLowerCase()),
    stream: {
      name: e.STREAM_NAME,
      replicas: e.STREAM_REPLICAS,
      maxAgeMs: e.STREAM_MAX_AGE,
      duplicateWindowMs: e.STREAM_DUPLICATE_WINDOW,
    },
    relay: { batchSize: e.RELAY_BATCH_SIZE, maxInFlight: e.RELAY_MAX_IN_FLIGHT, pollMs: e.RELAY_POLL_MS },
    sla: { configPath: e.SLA_CONFIG_PATH && resolve(e.SLA_CONFIG_PATH), alertThreshold: e.SLA_ALERT_THRESHOLD, scanIntervalMs: e.SLA_SCAN_INTERVAL_MS },
    maxAttachmentBytes: e.MAX_ATTACHMENT_MB * 1024 * 1024,
    idempotencyTtlMs: e.IDEMPOTENCY_TTL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    rateLimit: e.RATE_LIMIT_PER_TENANT > 0 ? { perSecond: e.RATE_LIMIT_PER_TENANT, burst: e.RATE_LIMIT_BURST ?? e.RATE_LIMIT_PER_TENANT } : undefined,
    consumers: {
      dlqStream: e.DLQ_STREAM_NAME,
      backoffBaseMs: e.CONSUMER_BACKOFF_BASE_MS,
      backoffMaxMs: e.CONSUMER_BACKOFF_MAX_MS,
      maxRetries: e.CONSUMER_MAX_RETRIES,
      ackWaitMs: e.CONSUMER_ACK_WAIT_MS,
      maxInFlight: e.CONSUMER_MAX_IN_FLIGHT,
    },
    github:
      e.GITHUB_TOKEN && e.GITHUB_REPO ? { token: e.GITHUB_TOKEN, apiUrl: e.GITHUB_API_URL, repo: e.GITHUB_REPO, timeoutMs: e.GITHUB_TIMEOUT_MS } : undefined,
    webhooks: { allowPrivate: e.WEBHOOK_ALLOW_PRIVATE, timeoutMs: e.WEBHOOK_TIMEOUT_MS },
    notifyDedupeWindowMs: e.NOTIFY_DEDUPE_WINDOW,
    liveMaxBufferedBytes: e.LIVE_MAX_BUFFERED_BYTES,
    liveTicketSecret: e.LIVE_TICKET_SECRET,
  };
}

function parseDurationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  return Number(match![1]) * units[match![2] as keyof typeof units];
}
