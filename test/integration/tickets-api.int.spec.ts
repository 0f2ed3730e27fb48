// The ticket API through HTTP, and what it publishes, decoded from a real JetStream stream; on
// SQLite and on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type Json, type TestService, startService } from '../support/service.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { type PublishedEvent, readStream, waitFor } from '../support/stream.js';

let nats: TestNats;
let svc: TestService;
const STREAM = 'API_EVENTS';

const ticket = (over: Record<string, unknown> = {}) => ({ title: 'Printer on fire', created_by: 'bob', ...over });

async function create(body: Record<string, unknown>, tenant = 'acme', headers: Record<string, string> = {}) {
  const res = await svc.call('/api/v1/tickets', { method: 'POST', json: body, tenant, headers });
  return { res, body: (await res.json()) as Json };
}

async function eventsFor(predicate: (e: PublishedEvent) => boolean, count: number): Promise<PublishedEvent[]> {
  return waitFor(async () => {
    const found = (await readStream(nats.url, STREAM)).filter(predicate);
    return found.length >= count ? found : undefined;
  }, `${count} events`);
}

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let store: TestStore;
  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    svc = await startService({ ...store.env, NATS_URL: nats.url, STREAM_NAME: STREAM });
    await waitFor(async () => (await svc.call('/ready')).ok, 'ready');
  });
  afterAll(async () => {
    await svc?.stop();
    await store?.dispose();
    await nats?.stop();
  });

  describe('creating a ticket', () => {
    it('answers 201 with the ticket, its Location and ETag, and defaults filled in', async () => {
      const { res, body } = await create(ticket({ title: '  Printer on fire  ', tags: ['hw', 'hw', 'floor:2'] }));
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe(`/api/v1/tickets/${body.id}`);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(body).toMatchObject({
        tenant: 'acme',
        title: 'Printer on fire',
        created_by: 'bob',
        type: 'support',
        priority: 'medium',
        status: 'new',
        customer_tier: 'standard',
        tags: ['hw', 'floor:2'],
        version: 1,
        escalation_level: 0,
      });
      expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(body.created_at).toBe(body.updated_at);
    });

    it('publishes ticket.event.created with the contract headers and a payload that decodes', async () => {
      const { res, body } = await create(ticket({ description: 'tray 2' }), 'acme', { 'X-Correlation-ID': 'corr-create-1' });
      const [published] = await eventsFor((e) => e.event.data?.id === body.id, 1);
      expect(published!.subject).toBe('acme.ticket.ticket.event.created');
      expect(published!.headers).toMatchObject({
        tenant: 'acme',
        schema: 'ticket.event.created@v1',
        'Content-Type': 'application/x-protobuf',
        'correlation-id': 'corr-create-1',
      });
      expect(published!.headers['Nats-Msg-Id']).toBe(published!.event.meta?.eventId);
      expect(res.headers.get('x-correlation-id')).toBe('corr-create-1');
      expect(published!.event.meta).toMatchObject({ tenant: 'acme', schema: 'ticket.event.created@v1', correlationId: 'corr-create-1' });
      expect(published!.event.data).toMatchObject({
        id: body.id,
        tenant: 'acme',
        title: 'Printer on fire',
        description: 'tray 2',
        createdBy: 'bob',
        createdAt: body.created_at,
      });
    });

    it('requests a notification when the description carries a severity keyword', async () => {
      const { body } = await create(ticket({ description: 'Major outage, CRITICAL path down' }));
      const [note] = await eventsFor((e) => e.event.data?.id === body.id && e.subject.includes('notification'), 1);
      expect(note!.subject).toBe('acme.notification.notification.event.requested');
      expect(note!.headers.schema).toBe('notification.event.requested@v1');
      expect(note!.event.notification?.keywords).toEqual(['critical', 'major']);
    });

    it('does not request a notification for an ordinary description', async () => {
      const { body } = await create(ticket({ description: 'paper jam' }));
      await eventsFor((e) => e.event.data?.id === body.id, 1);
      // Beside its SLA metric events (SPEC §12), only the create.
      const all = (await readStream(nats.url, STREAM)).filter((e) => e.event.data?.id === body.id && !e.subject.endsWith('.sla_changed'));
      expect(all.map((e) => e.subject)).toEqual(['acme.ticket.ticket.event.created']);
    });

    it('replays the first response for a repeated Idempotency-Key and publishes once', async () => {
      const headers = { 'Idempotency-Key': 'create-42' };
      const first = await create(ticket({ title: 'once' }), 'acme', headers);
      const second = await create(ticket({ title: 'once' }), 'acme', headers);
      expect(second.res.status).toBe(201);
      expect(second.body.id).toBe(first.body.id);
      expect(second.res.headers.get('idempotent-replayed')).toBe('true');
      const reused = await create(ticket({ title: 'another body' }), 'acme', headers);
      expect(reused.res.status).toBe(409);
      expect(reused.body.code).toBe('idempotency_key_reused');
      const otherTenant = await create(ticket({ title: 'once' }), 'globex', headers);
      expect(otherTenant.body.id).not.toBe(first.body.id);
      await eventsFor((e) => e.event.data?.id === first.body.id, 1);
      const created = (await readStream(nats.url, STREAM)).filter((e) => e.event.data?.id === first.body.id && e.event.meta?.action === 'created');
      expect(created).toHaveLength(1);
    });
  });

  describe('reading, changing and deleting a ticket', () => {
    it('returns the ticket with its ETag and audits the read as ticket.event.read', async () => {
      const { body } = await create(ticket());
      const res = await svc.call(`/api/v1/tickets/${body.id}`, { headers: { 'X-User-ID': 'auditor-1' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(await res.json()).toEqual(body);
      const [read] = await eventsFor((e) => e.event.data?.id === body.id && e.subject.endsWith('.read'), 1);
      expect(read!.headers.schema).toBe('ticket.event.read@v1');
      expect(read!.event.meta?.actor).toBe('auditor-1');
    });

    it('applies a PATCH with a matching If-Match and refuses a stale one with 412', async () => {
      const { body } = await create(ticket());
      const ok = await svc.call(`/api/v1/tickets/${body.id}`, {
        method: 'PATCH',
        json: { priority: 'high', description: 'now critical' },
        headers: { 'If-Match': '"1"' },
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('etag')).toBe('"2"');
      expect(await ok.json()).toMatchObject({ priority: 'high', description: 'now critical', version: 2 });
      const stale = await svc.call(`/api/v1/tickets/${body.id}`, { method: 'PATCH', json: { priority: 'low' }, headers: { 'If-Match': '"1"' } });
      expect(stale.status).toBe(412);
      expect(await stale.json()).toMatchObject({ code: 'version_mismatch' });
      const events = await eventsFor((e) => e.event.data?.id === body.id && !/\.(read|sla_changed)$/.test(e.subject), 3);
      expect(events.map((e) => e.subject.split('.').pop())).toEqual(['created', 'updated', 'requested']);
      expect(events[1]!.event.changedFields.sort()).toEqual(['description', 'priority']);
      expect(events[1]!.event.data?.version).toBe(2n);
    });

    it('never lets PATCH change the status', async () => {
      const { body } = await create(ticket());
      const res = await svc.call(`/api/v1/tickets/${body.id}`, { method: 'PATCH', json: { status: 'closed' } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'validation_failed', fields: { status: expect.stringContaining('transition') } });
    });

    it('deletes with 204, then 404s, while the history keeps every event', async () => {
      const { body } = await create(ticket());
      expect((await svc.call(`/api/v1/tickets/${body.id}`, { method: 'DELETE' })).status).toBe(204);
      const gone = await svc.call(`/api/v1/tickets/${body.id}`);
      expect(gone.status).toBe(404);
      expect(await gone.json()).toMatchObject({ code: 'not_found' });
      const history = (await (await svc.call(`/api/v1/tickets/${body.id}/history`)).json()) as { items: Array<Json> };
      expect(history.items.map((e) => e.action).filter((a) => a !== 'sla_changed')).toEqual(['created', 'deleted']);
      expect(history.items[0]!.data).toMatchObject({ id: body.id, title: 'Printer on fire' });
      await eventsFor((e) => e.event.data?.id === body.id && e.subject.endsWith('.deleted'), 1);
    });
  });

  describe('listing tickets', () => {
    it('pages newest-updated first with an opaque cursor and filters by field and tag', async () => {
      const tenant = 'lister';
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await create(ticket({ title: `t${i}`, priority: i % 2 ? 'high' : 'low', tags: i === 3 ? ['vip'] : [] }), tenant)).body.id);
      const first = (await (await svc.call('/api/v1/tickets?limit=2', { tenant })).json()) as { items: Json[]; next_cursor: string };
      expect(first.items.map((t) => t.id)).toEqual([ids[4], ids[3]]);
      const second = (await (await svc.call(`/api/v1/tickets?limit=2&cursor=${first.next_cursor}`, { tenant })).json()) as {
        items: Json[];
        next_cursor: string;
      };
      expect(second.items.map((t) => t.id)).toEqual([ids[2], ids[1]]);
      const third = (await (await svc.call(`/api/v1/tickets?limit=2&cursor=${second.next_cursor}`, { tenant })).json()) as {
        items: Json[];
        next_cursor: string | null;
      };
      expect(third.items.map((t) => t.id)).toEqual([ids[0]]);
      expect(third.next_cursor).toBeNull();
      const high = (await (await svc.call('/api/v1/tickets?priority=high', { tenant })).json()) as { items: Json[] };
      expect(high.items.map((t) => t.id)).toEqual([ids[3], ids[1]]);
      const vip = (await (await svc.call('/api/v1/tickets?tag=vip', { tenant })).json()) as { items: Json[] };
      expect(vip.items.map((t) => t.id)).toEqual([ids[3]]);
    });

    it('publishes ticket.event.listed with the count and the query', async () => {
      await create(ticket(), 'counted');
      await svc.call('/api/v1/tickets?limit=10', { tenant: 'counted' });
      const [listed] = await eventsFor((e) => e.subject === 'counted.ticket.ticket.event.listed', 1);
      expect(listed!.headers.schema).toBe('ticket.event.listed@v1');
      expect(listed!.event.listing).toMatchObject({ count: 1, query: 'limit=10' });
    });

    it('refuses a cursor it did not issue, and a limit over 100', async () => {
      const bad = await svc.call('/api/v1/tickets?cursor=not-a-cursor');
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'invalid_cursor', fields: { cursor: expect.any(String) } });
      const big = await svc.call('/api/v1/tickets?limit=101');
      expect(await big.json()).toMatchObject({ code: 'validation_failed', fields: { limit: expect.any(String) } });
    });
  });

  describe('tenant isolation', () => {
    it("answers 404 for another tenant's ticket in every route, and never lists it", async () => {
      const { body } = await create(ticket(), 'tenant-a');
      // Read once by its tenant first, so a store that caches tickets holds it while the other asks.
      expect((await svc.call(`/api/v1/tickets/${body.id}`, { tenant: 'tenant-a' })).status).toBe(200);
      for (const [path, method, json] of [
        [`/api/v1/tickets/${body.id}`, 'GET', undefined],
        [`/api/v1/tickets/${body.id}`, 'PATCH', { title: 'stolen' }],
        [`/api/v1/tickets/${body.id}`, 'DELETE', undefined],
        [`/api/v1/tickets/${body.id}/history`, 'GET', undefined],
      ] as const) {
        const res = await svc.call(path, { method, tenant: 'tenant-b', ...(json ? { json } : {}) });
        expect(res.status, `${method} ${path}`).toBe(404);
      }
      const list = (await (await svc.call('/api/v1/tickets', { tenant: 'tenant-b' })).json()) as { items: Json[] };
      expect(list.items).toEqual([]);
      expect((await svc.call(`/api/v1/tickets/${body.id}`, { tenant: 'tenant-a' })).status).toBe(200);
    });
  });

  describe('bad input', () => {
    const expectError = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as Json;
      expect(body).toMatchObject({ code, error: expect.any(String) });
      expect(body.correlation_id).toBe(res.headers.get('x-correlation-id'));
      return body;
    };

    it('needs a tenant header that is a safe NATS token', async () => {
      await expectError(await svc.call('/api/v1/tickets', { tenant: null }), 400, 'missing_tenant');
      for (const tenant of ['a.b', 'a*', 'a>', 'a b', 'x'.repeat(65)]) {
        const body = await expectError(await svc.call('/api/v1/tickets', { tenant }), 400, 'invalid_tenant');
        expect(body.fields).toHaveProperty('X-Tenant-ID');
      }
    });

    it('names every wrong field', async () => {
      const post = (json: unknown) => svc.call('/api/v1/tickets', { method: 'POST', json });
      const body = await expectError(await post({ title: ' ', created_by: '', priority: 'urgent', tags: ['Bad Tag'], extra: 1 }), 400, 'validation_failed');
      expect(Object.keys(body.fields).sort()).toEqual(['created_by', 'extra', 'priority', 'tags.0', 'title']);
      const missing = await expectError(await post({}), 400, 'validation_failed');
      expect(missing.fields).toMatchObject({ title: 'required', created_by: 'required' });
    });

    it('answers 415 for a body that is not JSON and 400 for JSON that does not parse', async () => {
      await expectError(
        await svc.call('/api/v1/tickets', { method: 'POST', body: 'title=x', headers: { 'Content-Type': 'text/plain' } }),
        415,
        'unsupported_media_type',
      );
      await expectError(
        await svc.call('/api/v1/tickets', { method: 'POST', body: '{"title":', headers: { 'Content-Type': 'application/json' } }),
        400,
        'invalid_json',
      );
      await expectError(
        await svc.call('/api/v1/tickets', { method: 'POST', body: '[1,2]', headers: { 'Content-Type': 'application/json' } }),
        400,
        'validation_failed',
      );
    });

    it('answers 413 for a body over 1 MiB', async () => {
      const huge = JSON.stringify(ticket({ description: 'x'.repeat(1024 * 1024 + 10) }));
      await expectError(
        await svc.call('/api/v1/tickets', { method: 'POST', body: huge, headers: { 'Content-Type': 'application/json' } }),
        413,
        'payload_too_large',
      );
    });

    it('answers JSON 404 for unknown routes and tickets', async () => {
      await expectError(await svc.call('/api/v1/nothing'), 404, 'route_not_found');
      await expectError(await svc.call('/api/v1/tickets/00000000-0000-7000-8000-000000000000'), 404, 'not_found');
    });
  });

  describe('operations endpoints', () => {
    it('serve health, readiness, metrics, the OpenAPI document and the docs page', async () => {
      expect(await (await svc.call('/health')).json()).toMatchObject({ status: 'ok' });
      expect(await (await svc.call('/ready')).json()).toMatchObject({ status: 'ready', checks: { store: 'ok', nats: 'ok' } });
      const metrics = await (await svc.call('/metrics')).text();
      for (const name of ['http_request_duration_seconds_bucket', 'event_publish_latency_seconds', 'outbox_backlog', 'http_errors_total']) {
        expect(metrics).toContain(name);
      }
      expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/tickets\/:id"/);
      // SQLite's checkpoint thread has copied the WAL of the tickets made so far (PostgreSQL has none).
      if (flavour.name === 'SQLite')
        await waitFor(
          async () => /^sqlite_wal_checkpoints_total\{[^}]*\} [1-9]/m.test(await (await svc.call('/metrics')).text()),
          'a checkpoint in the metrics',
        );
      else expect(metrics).not.toContain('sqlite_wal_checkpoints');
      const doc = (await (await svc.call('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/tickets', '/api/v1/tickets/{id}', '/api/v1/tickets/{id}/history']));
      expect(doc.paths['/api/v1/tickets']).toHaveProperty('post');
      const parameters = (doc.paths['/api/v1/tickets/{id}']!.get as { parameters: Array<{ name: string; in: string; required: boolean }> }).parameters;
      expect(parameters).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'X-Tenant-ID', in: 'header', required: true }),
          expect.objectContaining({ name: 'id', in: 'path' }),
        ]),
      );
      expect((await svc.call('/docs')).headers.get('content-type')).toMatch(/text\/html/);
    });
  });

  describe('searching tickets with q', () => {
    it('finds words of the title and description as prefixes, all required, within the tenant', async () => {
      const fire = (await create(ticket({ title: 'Scanner overheating', description: 'smoke from the paper tray' }), 'searchco')).body;
      await create(ticket({ title: 'Scanner offline' }), 'searchco');
      await create(ticket({ title: 'Scanner overheating' }), 'other-searchco');
      const search = async (q: string) => {
        const res = await svc.call(`/api/v1/tickets?q=${encodeURIComponent(q)}`, { tenant: 'searchco' });
        return ((await res.json()) as { items: Array<{ title: string }> }).items.map((t) => t.title).sort();
      };
      expect(await search('scanner')).toEqual(['Scanner offline', 'Scanner overheating']);
      expect(await search('scan smoke')).toEqual(['Scanner overheating']);
      expect(await search('OR NEAR')).toEqual([]);
      await svc.call(`/api/v1/tickets/${fire.id}`, { method: 'PATCH', json: { title: 'Copier overheating' }, tenant: 'searchco' });
      expect(await search('copier')).toEqual(['Copier overheating']);
      const empty = await svc.call('/api/v1/tickets?q=%20%22%20', { tenant: 'searchco' });
      expect(empty.status).toBe(400);
      expect(await empty.json()).toMatchObject({ fields: { q: expect.any(String) } });
    });
  });
});
