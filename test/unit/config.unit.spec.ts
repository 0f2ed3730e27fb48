// SPEC §9: configuration comes from the environment, has documented defaults, and a bad value names its variable.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, workersFor, writerFor } from '../../src/config.js';
import { usableCores } from '../../src/cores.js';

/** The problems loadConfig reports for an environment, or [] when it is accepted. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('configuration defaults', () => {
  const config = loadConfig({});

  it('serves on port 8080 on every interface', () => {
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0' });
  });

  it('keeps the SQLite file under ./data', () => {
    expect(config.dataDir).toBe(resolve('data'));
    expect(config.dbPath).toBe(resolve('data', 'ticket-svc.db'));
    expect(config.databaseUrl).toBeUndefined();
  });

  it('pools 10 PostgreSQL connections unless DATABASE_POOL_SIZE says otherwise', () => {
    expect(config.databasePoolSize).toBe(10);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db:5432/tickets', DATABASE_POOL_SIZE: '25' })).toMatchObject({
      databaseUrl: 'postgres://u@db:5432/tickets',
      databasePoolSize: 25,
    });
  });

  it('talks to NATS on 127.0.0.1:4222 and may start one itself', () => {
    expect(config.nats).toEqual({ servers: ['nats://127.0.0.1:4222'], credsFile: undefined, nkeySeed: undefined, autostart: true, serverBin: undefined });
  });

  it('names the service, tenant header, log level and auth mode as documented', () => {
    expect(config).toMatchObject({ serviceName: 'ticket-svc', logLevel: 'info', tenantHeader: 'X-Tenant-ID', auth: { mode: 'header' } });
  });

  it('flags descriptions with critical or major', () => {
    expect(config.severityKeywords).toEqual(['critical', 'major']);
  });

  it('publishes to TICKET_EVENTS with one replica, 30 days of history and a 2 minute duplicate window', () => {
    expect(config.stream).toEqual({ name: 'TICKET_EVENTS', replicas: 1, maxAgeMs: 30 * 86_400_000, duplicateWindowMs: 120_000 });
  });

  it('replays idempotent creates for 24 hours and caps bodies at 1 MiB', () => {
    expect(config).toMatchObject({ idempotencyTtlMs: 86_400_000, bodyLimitBytes: 1024 * 1024 });
  });

  it('commits SQLite on the request thread with two cores or fewer, in a writer thread with more, unless SQLITE_WRITER says', () => {
    expect([1, 2, 3, 4, 16].map(writerFor)).toEqual(['inline', 'inline', 'thread', 'thread', 'thread']);
    expect(config.sqliteWriter).toBe(writerFor(usableCores()));
    expect(loadConfig({ SQLITE_WRITER: 'auto' }).sqliteWriter).toBe(writerFor(usableCores()));
    expect(loadConfig({ SQLITE_WRITER: 'thread' }).sqliteWriter).toBe('thread');
    expect(loadConfig({ SQLITE_WRITER: 'inline' }).sqliteWriter).toBe('inline');
    expect(loadConfig({ DB_PATH: ':memory:', SQLITE_WRITER: 'thread' }).sqliteWriter).toBe('inline');
    expect(problems({ SQLITE_WRITER: 'threads' })).toEqual([expect.stringContaining('SQLITE_WRITER')]);
  });

  it('serves the API from a worker per core with more than two cores, from this process with two or fewer, unless API_WORKERS says', () => {
    expect([1, 2, 3, 4, 16].map(workersFor)).toEqual([1, 1, 3, 4, 16]);
    expect(config.apiWorkers).toBe(workersFor(usableCores()));
    expect(loadConfig({ API_WORKERS: 'auto' }).apiWorkers).toBe(workersFor(usableCores()));
    expect(loadConfig({ API_WORKERS: '1' }).apiWorkers).toBe(1);
    expect(loadConfig({ API_WORKERS: '8' }).apiWorkers).toBe(8);
    expect(loadConfig({ DB_PATH: ':memory:' }).apiWorkers).toBe(1);
    expect(problems({ API_WORKERS: '0' })).toEqual([expect.stringContaining('API_WORKERS')]);
    expect(problems({ API_WORKERS: 'many' })).toEqual([expect.stringContaining('API_WORKERS')]);
    expect(problems({ DB_PATH: ':memory:', API_WORKERS: '2' })).toEqual([expect.stringContaining('in-memory')]);
  });

  it('checkpoints the SQLite WAL from a thread at most every 100 ms, any interval up to a minute, 0 for inside the commits, or refuses to start', () => {
    expect(config.sqliteCheckpointMs).toBe(100);
    expect(loadConfig({ SQLITE_CHECKPOINT_MS: '0' }).sqliteCheckpointMs).toBe(0);
    expect(loadConfig({ SQLITE_CHECKPOINT_MS: '2500' }).sqliteCheckpointMs).toBe(2500);
    expect(problems({ SQLITE_CHECKPOINT_MS: 'often' })[0]).toMatch(/^SQLITE_CHECKPOINT_MS=/);
    expect(problems({ SQLITE_CHECKPOINT_MS: '-5' })[0]).toMatch(/^SQLITE_CHECKPOINT_MS=/);
  });

  it("keeps 10,000 tickets in the SQLite store's read cache, any number from 0 (off) to a million, or refuses to start", () => {
    expect(config.ticketCacheSize).toBe(10_000);
    expect(loadConfig({ TICKET_CACHE_SIZE: '0' }).ticketCacheSize).toBe(0);
    expect(problems({ TICKET_CACHE_SIZE: 'lots' })[0]).toMatch(/^TICKET_CACHE_SIZE=/);
    expect(problems({ TICKET_CACHE_SIZE: '-1' })[0]).toMatch(/^TICKET_CACHE_SIZE=/);
  });

  it('lets the heap grow 100% past the live set before a full collection, 0 (V8 decides) to 300%, or refuses to start', () => {
    expect(config.heapGrowthPercent).toBe(100);
    expect(loadConfig({ HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent).toBe(0);
    expect(problems({ HEAP_GROWTH_PERCENT: '301' })[0]).toMatch(/^HEAP_GROWTH_PERCENT=/);
    expect(problems({ HEAP_GROWTH_PERCENT: 'some' })[0]).toMatch(/^HEAP_GROWTH_PERCENT=/);
  });

  it('runs every component', () => {
    expect([...config.components]).toEqual(['api', 'relay', 'sla', 'audit', 'notify', 'live', 'github', 'automations']);
  });

  it('retries consumer failures 5 times from 100 ms doubling to at most 30 s, then dead-letters to TICKET_DLQ', () => {
    expect(config.consumers).toEqual({ dlqStream: 'TICKET_DLQ', backoffBaseMs: 100, backoffMaxMs: 30_000, maxRetries: 5, ackWaitMs: 30_000, maxInFlight: 64 });
  });

  it('refuses private webhook targets, waits 5 s for a webhook and notifies once per ticket and reason in 5 minutes', () => {
    expect(config).toMatchObject({ webhooks: { allowPrivate: false, timeoutMs: 5000 }, notifyDedupeWindowMs: 300_000 });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', STREAM_NAME: '' })).toMatchObject({ port: 8080, stream: { name: 'TICKET_EVENTS' } });
  });
});

describe('reading configured values', () => {
  it('puts the database under DATA_DIR unless DB_PATH says otherwise', () => {
    expect(loadConfig({ DATA_DIR: '/var/lib/tickets' }).dbPath).toBe('/var/lib/tickets/ticket-svc.db');
    expect(loadConfig({ DATA_DIR: '/var/lib/tickets', DB_PATH: '/srv/t.db' }).dbPath).toBe('/srv/t.db');
    expect(loadConfig({ DB_PATH: ':memory:' }).dbPath).toBe(':memory:');
  });

  it('reads comma lists, trimming blanks and empty entries', () => {
    const config = loadConfig({
      SEVERITY_KEYWORDS: ' Critical , outage,,SEV1 ',
      NATS_URL: 'nats://a:4222, tls://b:4222',
      COMPONENTS: 'relay',
    });
    expect(config.severityKeywords).toEqual(['critical', 'outage', 'sev1']);
    expect(config.nats.servers).toEqual(['nats://a:4222', 'tls://b:4222']);
    expect([...config.components]).toEqual(['relay']);
  });

  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
  ])('reads the duration %s as %d ms', (text, ms) => {
    expect(loadConfig({ STREAM_MAX_AGE: text }).stream.maxAgeMs).toBe(ms);
  });

  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('reads the boolean %s as %s', (text, value) => {
    expect(loadConfig({ NATS_AUTOSTART: text }).nats.autostart).toBe(value);
  });

  it('reads jwt mode with its secret, issuer and audience', () => {
    expect(loadConfig({ AUTH_MODE: 'jwt', JWT_SECRET: 's'.repeat(40), JWT_ISSUER: 'idp', JWT_AUDIENCE: 'tickets' }).auth).toEqual({
      mode: 'jwt',
      secret: 's'.repeat(40),
      jwksUrl: undefined,
      issuer: 'idp',
      audience: 'tickets',
    });
  });

  it('reads numbers', () => {
    expect(loadConfig({ PORT: '3000', STREAM_REPLICAS: '3' })).toMatchObject({ port: 3000, stream: { replicas: 3 } });
  });
});

describe('refusing bad configuration', () => {
  it('throws a ConfigError with one line per bad variable, each starting with its name', () => {
    const env = { PORT: 'abc', STREAM_REPLICAS: '9', LOG_LEVEL: 'info' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    const found = problems(env);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^PORT=/);
    expect(found[1]).toMatch(/^STREAM_REPLICAS=/);
  });

  it('puts every problem on its own line of the message', () => {
    expect(() => loadConfig({ PORT: 'abc', STREAM_REPLICAS: '9' })).toThrow(/\nPORT=.*\nSTREAM_REPLICAS=/);
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['PORT', '-1.5'],
    ['STREAM_REPLICAS', '0'],
    ['LOG_LEVEL', 'loud'],
    ['NATS_AUTOSTART', 'yes'],
    ['STREAM_MAX_AGE', '30'],
    ['STREAM_DUPLICATE_WINDOW', '2 minutes'],
    ['NATS_URL', 'http://127.0.0.1:4222'],
    ['COMPONENTS', 'api,nope'],
    ['SEVERITY_KEYWORDS', ' , '],
    ['STREAM_NAME', 'TICKET.EVENTS'],
    ['X_TENANT_HEADER', 'X Tenant'],
    ['DATABASE_URL', 'not a url'],
    ['AUTH_MODE', 'oauth'],
    ['JWT_SECRET', 'too-short'],
    ['JWT_JWKS_URL', 'ftp://idp.example/keys'],
    ['DATABASE_URL', 'mysql://db/tickets'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', 'ten'],
    ['WEBHOOK_ALLOW_PRIVATE', 'maybe'],
    ['WEBHOOK_TIMEOUT_MS', '5s'],
    ['CONSUMER_MAX_RETRIES', '-1'],
    ['CONSUMER_MAX_IN_FLIGHT', '0'],
    ['CONSUMER_BACKOFF_BASE_MS', '0'],
    ['NOTIFY_DEDUPE_WINDOW', '5'],
    ['DLQ_STREAM_NAME', 'TICKET.DLQ'],
    ['DLQ_STREAM_NAME', 'TICKET_EVENTS'],
  ])('names %s in exactly one line for %j', (name, value) => {
    const found = problems({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${name}=`));
  });

  // Each bad entry of a list is its own zod issue; the user still gets one line for the variable.
  it('names a list variable once even when several of its entries are bad', () => {
    expect(problems({ NATS_URL: 'localhost:4222,http://b' })).toHaveLength(1);
  });

  it.each([[{ AUTH_MODE: 'jwt' }], [{ AUTH_MODE: 'jwt', JWT_SECRET: 'x'.repeat(32), JWT_JWKS_URL: 'https://idp.example/jwks.json' }]])(
    'asks jwt mode for exactly one way to verify tokens (%j)',
    (env) => {
      const found = problems(env);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/^AUTH_MODE=jwt: .*JWT_SECRET.*JWT_JWKS_URL/);
    },
  );

  // Whitespace is not a port, yet z.coerce.number turns ' ' into 0 and the service binds a random port.
  it('refuses a PORT of only spaces', () => {
    expect(problems({ PORT: ' ' })).toHaveLength(1);
  });
});
