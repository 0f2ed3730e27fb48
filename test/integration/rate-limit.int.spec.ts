// SPEC §11 rate limits: each tenant's /api requests are limited (RATE_LIMIT_PER_TENANT, with a
// burst); over it → 429 rate_limited with Retry-After, and every answer carries RateLimit-*. Other
// tenants are unaffected, and replicas on one PostgreSQL database share one budget. Rates are kept
// at 1/s so the refill during a test is small, and every bound counts it from the measured window.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ServiceProcess, type TestService, spawnService, startService } from '../support/service.js';
import { startTestNats } from '../support/nats.js';
import { onNewConnection } from '../support/rawHttp.js';
import { type TestStore, sharedStoreFlavours, skipFlavour } from '../support/stores.js';
import { waitFor } from '../support/stream.js';
import { type TcpProxy, startTcpProxy } from '../support/tcpProxy.js';

const RATE = 1;
const BURST = 20;
const LIMITED = { RATE_LIMIT_PER_TENANT: String(RATE), RATE_LIMIT_BURST: String(BURST), COMPONENTS: 'api,live' };

type Answer = { status: number; headers: Headers; body: { code?: string } };

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text.startsWith('{') ? (JSON.parse(text) as { code?: string }) : {} };
}

/** The three RateLimit-* headers as numbers; undefined for a header that is missing. */
function limitHeaders(headers: Headers) {
  const read = (name: string) => (headers.has(name) ? Number(headers.get(name)) : undefined);
  return { limit: read('ratelimit-limit'), remaining: read('ratelimit-remaining'), reset: read('ratelimit-reset') };
}

function expectLimitHeaders(a: Answer) {
  const { limit, remaining, reset } = limitHeaders(a.headers);
  expect(limit).toBe(BURST);
  expect(Number.isInteger(remaining) && remaining! >= 0 && remaining! <= BURST).toBe(true);
  expect(Number.isInteger(reset) && reset! >= 0).toBe(true);
}

/** The most a tenant may be allowed in a window of `ms`: the burst and what refilled meanwhile. */
const allowance = (ms: number) => BURST + Math.ceil((ms / 1000) * RATE);

/** GETs /workflow for the tenant until one is refused (or `max` were sent); the answers and how long it took. */
async function flood(svc: TestService, tenant: string, max = 200): Promise<{ answers: Answer[]; ms: number }> {
  const started = performance.now();
  const answers: Answer[] = [];
  while (answers.length < max && answers.at(-1)?.status !== 429) answers.push(await answer(await svc.call('/api/v1/workflow', { tenant })));
  return { answers, ms: performance.now() - started };
}

/** The status a WebSocket handshake is answered with. */
function handshakeStatus(svc: TestService, tenant: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${svc.url.replace('http', 'ws')}/api/v1/alerts/ws`, { headers: { 'X-Tenant-ID': tenant } });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      resolve(101);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

describe('rate limits in one process (SQLite)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startService(LIMITED);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('refuses a tenant past its burst with 429 rate_limited, Retry-After and RateLimit-* headers', async () => {
    const { answers, ms } = await flood(svc, 'flooder');
    const refused = answers.at(-1)!;
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('rate_limited');
    expect(refused.headers.get('content-type')).toMatch(/application\/json/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
    expectLimitHeaders(refused);
    expect(limitHeaders(refused.headers)).toMatchObject({ remaining: 0 });
    expect(limitHeaders(refused.headers).reset).toBeGreaterThanOrEqual(1);

    const allowed = answers.filter((a) => a.status === 200).length;
    expect(allowed).toBe(answers.length - 1);
    expect(allowed).toBeGreaterThanOrEqual(BURST);
    expect(allowed).toBeLessThanOrEqual(allowance(ms));
    for (const a of answers) expectLimitHeaders(a);
    expect(limitHeaders(answers[0]!.headers).remaining).toBe(BURST - 1);
  });

  it('refuses the WebSocket handshake, creates and reads of a tenant past its burst too', async () => {
    await flood(svc, 'flooded-ws');
    expect(await handshakeStatus(svc, 'flooded-ws')).toBe(429);
    const created = await svc.call('/api/v1/tickets', { method: 'POST', tenant: 'flooded-ws', json: { title: 'One more', created_by: 'bob' } });
    expect(created.status).toBe(429);
    expect((await svc.call('/api/v1/tickets/01JAAAAAAAAAAAAAAAAAAAAAAA', { tenant: 'flooded-ws' })).status).toBe(429);
  });

  it('leaves other tenants and the operations endpoints alone', async () => {
    await flood(svc, 'noisy');
    const other = await answer(await svc.call('/api/v1/workflow', { tenant: 'quiet' }));
    expect(other.status).toBe(200);
    expect(limitHeaders(other.headers).remaining).toBe(BURST - 1);
    expect((await svc.call('/health', { tenant: 'noisy' })).status).toBe(200);
  });

  it('puts the RateLimit-* headers on every kind of answer, errors included', async () => {
    const tenant = 'shapes';
    const created = await answer(await svc.call('/api/v1/tickets', { method: 'POST', tenant, json: { title: 'Printer jams', created_by: 'bob' } }));
    expect(created.status).toBe(201);
    const id = (created.body as { id?: string }).id;
    const answers = [
      created,
      await answer(await svc.call(`/api/v1/tickets/${id}`, { tenant })),
      await answer(await svc.call('/api/v1/tickets/01JAAAAAAAAAAAAAAAAAAAAAAA', { tenant })),
      await answer(await svc.call('/api/v1/tickets', { method: 'POST', tenant, json: { title: '' } })),
      await answer(await svc.call('/api/v1/no-such-route', { tenant })),
      await answer(await svc.call('/api/v1/alerts/ws', { tenant })),
    ];
    expect(answers.map((a) => a.status)).toEqual([201, 200, 404, 400, 404, 426]);
    for (const a of answers) expectLimitHeaders(a);
  });

  it("counts no request whose caller is not identified: without credentials no one spends a tenant's budget", async () => {
    const refused = await answer(await svc.call('/api/v1/tickets', { tenant: 'anonymous-flood', headers: { 'X-User-Roles': 'nobody' } }));
    expect(refused.status).toBe(400);
    expect(limitHeaders(refused.headers)).toEqual({ limit: undefined, remaining: undefined, reset: undefined });
    const first = await answer(await svc.call('/api/v1/tickets', { tenant: 'anonymous-flood' }));
    expect(limitHeaders(first.headers).remaining).toBe(BURST - 1);
  });
});

describe.runIf(process.env.NATS_URL === undefined)('rate limits shared by API workers (SQLite)', () => {
  it('lets the workers together allow the burst once', async () => {
    const nats = await startTestNats();
    const svc = await spawnService({ ...LIMITED, API_WORKERS: '2', NATS_URL: nats.url });
    try {
      const started = performance.now();
      const statuses: number[] = [];
      while (statuses.length < 200 && statuses.at(-1) !== 429)
        statuses.push((await onNewConnection(svc.url, '/api/v1/workflow', { method: 'GET', headers: { 'X-Tenant-ID': 'spread' } })).status);
      const ms = performance.now() - started;
      const allowed = statuses.filter((s) => s === 200).length;
      expect(statuses.at(-1)).toBe(429);
      expect(allowed).toBeGreaterThanOrEqual(BURST);
      // Two budgets, one per worker, would allow about twice the burst.
      expect(allowed).toBeLessThanOrEqual(allowance(ms));
    } finally {
      await svc.stop();
      await nats.stop();
    }
  }, 120_000);
});

describe('without a rate limit (the default)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startService({ COMPONENTS: 'api' });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('answers with no RateLimit-* headers and never 429', async () => {
    const created = await svc.call('/api/v1/tickets', { method: 'POST', json: { title: 'Printer jams', created_by: 'bob' } });
    expect(created.status).toBe(201);
    const { answers } = await flood(svc, 'acme', BURST * 3);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    for (const headers of [created.headers, ...answers.map((a) => a.headers)]) {
      expect(limitHeaders(headers)).toEqual({ limit: undefined, remaining: undefined, reset: undefined });
    }
  });
});

describe.each(await sharedStoreFlavours())('rate limits shared by replicas on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let store: TestStore;
  const processes: ServiceProcess[] = [];
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop()));
    for (const stop of stops.splice(0).reverse()) await stop();
    await store?.dispose();
  });

  it('lets two api processes together allow the burst once, within 10%', async () => {
    store = await flavour.fresh();
    const apis = [await spawnService({ ...store.env, ...LIMITED, COMPONENTS: 'api' }), await spawnService({ ...store.env, ...LIMITED, COMPONENTS: 'api' })];
    processes.push(...apis);
    // Warm both (connections, statements) on another tenant, so the window measures requests only.
    for (const api of apis) expect((await api.call('/api/v1/workflow', { tenant: 'warmup' })).status).toBe(200);

    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 3 * BURST }, async (_, i) => answer(await apis[i % 2]!.call('/api/v1/workflow', { tenant: 'shared' }))),
    );
    const ms = performance.now() - started;

    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
    for (const a of answers) expectLimitHeaders(a);
    const allowed = answers.filter((a) => a.status === 200).length;
    expect(allowed).toBeGreaterThanOrEqual(Math.floor(BURST * 0.9));
    expect(allowed).toBeLessThanOrEqual(Math.ceil(allowance(ms) * 1.1));
    // Either process now refuses the tenant, whichever took its burst (a refill or two since is spent at once).
    for (const api of apis) expect((await flood(api, 'shared', 3 * BURST)).answers.at(-1)!.status).toBe(429);
  }, 120_000);

  it('lets requests through while the database is away (fail open), and limits again once it is back', async () => {
    store = await flavour.fresh();
    const url = new URL(store.env.DATABASE_URL!);
    const proxy: TcpProxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    stops.push(proxy.stop);
    url.host = `127.0.0.1:${proxy.port}`;
    const svc = await startService({ DATABASE_URL: url.toString(), ...LIMITED, COMPONENTS: 'api' });
    stops.push(svc.stop);

    const { answers } = await flood(svc, 'acme');
    expect(answers.at(-1)!.status).toBe(429);

    await proxy.cut();
    const during = await Promise.all(Array.from({ length: 5 }, async () => answer(await svc.call('/api/v1/workflow'))));
    expect(during.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    for (const a of during) expectLimitHeaders(a);

    await proxy.restore();
    await waitFor(async () => (await svc.call('/api/v1/workflow')).status === 429, 'the shared limit applying again', 30_000);
  }, 120_000);
});
