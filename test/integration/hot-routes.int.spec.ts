// The hot routes (POST /api/v1/tickets, GET /api/v1/tickets/{id} on Node's own objects) answer
// exactly as the Hono routes do. A trailing `?` sends the same request through Hono, so each
// answer is compared with its twin: status, headers and body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type TestService, startService } from '../support/service.js';
import { readStream, waitFor } from '../support/stream.js';

let nats: TestNats;
let svc: TestService;
const STREAM = 'HOT_EVENTS';

type Answer = { status: number; headers: Record<string, string>; body: any };

async function answer(res: Response): Promise<Answer> {
  const headers = Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'));
  return { status: res.status, headers, body: await res.json() };
}

/** A created ticket's answer with what differs from one create to the next (id, clock) taken out. */
function timeless(a: Answer): Answer {
  const { id: _id, created_at: _c, updated_at: _u, sla, ...rest } = a.body;
  const { location: _l, ...headers } = a.headers;
  return { ...a, headers, body: { ...rest, sla: sla && { ...sla, response_due_at: 'T', resolution_due_at: 'T' } } };
}

const twice = async (path: string, init: Parameters<TestService['call']>[1]) => {
  const hot = await answer(await svc.call(path, init));
  const viaHono = await answer(await svc.call(`${path}?`, init));
  return { hot, viaHono };
};

beforeAll(async () => {
  nats = await startTestNats();
});
afterAll(async () => {
  await nats?.stop();
});

// SQLITE_WRITER=auto picks by the machine's cores: both modes run here, whatever the machine.
describe.each(['inline', 'thread'])('the hot routes, SQLite committing %s', (mode) => {
  beforeAll(async () => {
    svc = await startService({ NATS_URL: nats.url, STREAM_NAME: STREAM, SQLITE_WRITER: mode });
    await waitFor(async () => (await svc.call('/ready')).ok, 'ready');
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const headers = { 'X-Correlation-ID': 'hot-1', 'X-User-ID': 'ann', 'X-User-Roles': 'agent' };

  it('create a ticket with the same answer as the Hono route', async () => {
    const json = { title: '  Printer on fire ', created_by: 'bob', description: 'a critical jam', priority: 'high', tags: ['printer'] };
    const { hot, viaHono } = await twice('/api/v1/tickets', { method: 'POST', json, headers });
    expect(hot.status).toBe(201);
    expect(hot.headers.location).toBe(`/api/v1/tickets/${hot.body.id}`);
    expect(timeless(hot)).toEqual(timeless(viaHono));
  });

  it('read a ticket with the same answer as the Hono route, each read an event in the stream', async () => {
    const created = await svc.call('/api/v1/tickets', { method: 'POST', json: { title: 'Read me', created_by: 'bob' } });
    const { id } = (await created.json()) as { id: string };
    const { hot, viaHono } = await twice(`/api/v1/tickets/${id}`, { headers });
    expect(hot.status).toBe(200);
    expect(hot).toEqual(viaHono);
    const reads = await waitFor(async () => {
      const found = (await readStream(nats.url, STREAM)).filter((e) => e.subject.endsWith('.read') && e.event.data?.id === id);
      return found.length >= 2 ? found : undefined;
    }, 'two read events');
    expect(reads).toHaveLength(2);
  });

  it('read the same ticket again, as other callers and after a change, with the same text as the Hono route, each read event carrying the ticket as answered', async () => {
    const created = await svc.call('/api/v1/tickets', { method: 'POST', json: { title: 'Read me often', created_by: 'bob', customer_id: 'carol' } });
    const { id } = (await created.json()) as { id: string };
    const text = async (path: string, init: Parameters<TestService['call']>[1]) => {
      const res = await svc.call(path, init);
      return { status: res.status, etag: res.headers.get('etag'), body: await res.text() };
    };
    const answered: string[] = [];
    const customer = { 'X-User-ID': 'carol', 'X-User-Roles': 'customer' };
    const viewers = [headers, headers, customer, headers, customer];
    for (const [i, who] of viewers.entries()) {
      if (i === 3) expect((await svc.call(`/api/v1/tickets/${id}`, { method: 'PATCH', headers, json: { title: 'Read me after a change' } })).status).toBe(200);
      const hot = await text(`/api/v1/tickets/${id}`, { headers: who });
      expect(hot).toEqual(await text(`/api/v1/tickets/${id}?`, { headers: who }));
      answered.push(hot.body);
    }
    expect(JSON.parse(answered[1]!)).toEqual(JSON.parse(answered[0]!));
    expect(JSON.parse(answered[2]!).enabled_transitions).not.toEqual(JSON.parse(answered[0]!).enabled_transitions);
    expect(JSON.parse(answered[3]!)).toMatchObject({ title: 'Read me after a change', version: 2 });
    const reads = await waitFor(async () => {
      const found = (await readStream(nats.url, STREAM)).filter((e) => e.subject.endsWith('.read') && e.event.data?.id === id);
      return found.length >= 2 * viewers.length ? found : undefined;
    }, 'a read event per GET');
    const expected = answered.flatMap((body) => {
      const { title, version } = JSON.parse(body) as { title: string; version: number };
      return [{ title, version }, { title, version }];
    });
    expect(reads.map((e) => ({ title: e.event.data?.title, version: Number(e.event.data?.version) }))).toEqual(expected);
  });

  it('answer a ticket the caller may not see, or that does not exist, with the same 404', async () => {
    const created = await svc.call('/api/v1/tickets', { method: 'POST', json: { title: 'Mine', created_by: 'bob', customer_id: 'carol' } });
    const { id } = (await created.json()) as { id: string };
    const stranger = { 'X-Correlation-ID': 'hot-2', 'X-User-ID': 'dave', 'X-User-Roles': 'customer' };
    for (const path of [`/api/v1/tickets/${id}`, '/api/v1/tickets/01900000-0000-7000-8000-000000000000']) {
      const { hot, viaHono } = await twice(path, { headers: stranger });
      expect(hot.status).toBe(404);
      expect(hot).toEqual(viaHono);
    }
    const otherTenant = await twice(`/api/v1/tickets/${id}`, { headers, tenant: 'globex' });
    expect(otherTenant.hot.status).toBe(404);
    expect(otherTenant.hot).toEqual(otherTenant.viaHono);
  });

  it('pass every request they cannot answer for certain to the Hono app, which answers with its codes', async () => {
    const cases: Array<[Parameters<TestService['call']>[1], number, string]> = [
      [{ method: 'POST', json: { created_by: 'bob' }, headers }, 400, 'validation_failed'],
      [{ method: 'POST', body: '{"title":', headers: { ...headers, 'Content-Type': 'application/json' } }, 400, 'invalid_json'],
      [{ method: 'POST', json: { title: 'x', created_by: 'bob' }, headers, tenant: 'no.dots' }, 400, 'invalid_tenant'],
      [{ method: 'POST', json: { title: 'x', created_by: 'bob' }, headers, tenant: null }, 400, 'missing_tenant'],
      [{ method: 'POST', json: { title: 'x', created_by: 'bob' }, headers: { ...headers, 'X-User-Roles': 'wizard' } }, 400, 'invalid_roles'],
      [{ method: 'POST', body: 'title=x', headers: { ...headers, 'Content-Type': 'text/plain' } }, 415, 'unsupported_media_type'],
    ];
    for (const [init, status, code] of cases) {
      const res = await svc.call('/api/v1/tickets', init);
      expect({ status: res.status, code: ((await res.json()) as { code: string }).code }).toEqual({ status, code });
    }
    const tooLong = await svc.call(`/api/v1/tickets/${'x'.repeat(65)}`, { headers });
    expect(tooLong.status).toBe(400);
  });

  it('count their requests in the same metrics as every other route', async () => {
    const metrics = await (await svc.call('/metrics')).text();
    const count = (name: string, labels: string[]) =>
      metrics.split('\n').find((line) => line.startsWith(`${name}{`) && labels.every((l) => line.includes(l)))?.split(' ')[1];
    expect(Number(count('http_request_duration_seconds_count', ['method="POST"', 'route="/api/v1/tickets"', 'status="201"']))).toBeGreaterThan(0);
    expect(Number(count('http_request_duration_seconds_count', ['method="GET"', 'route="/api/v1/tickets/:id"', 'status="404"']))).toBeGreaterThan(0);
    expect(Number(count('http_errors_total', ['code="not_found"', 'status="404"']))).toBeGreaterThan(0);
  });
});
