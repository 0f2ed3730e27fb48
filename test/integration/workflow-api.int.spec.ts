// SPEC §4 and §2 through HTTP: transitions, the enabled set per caller, customer visibility,
// history and time travel, and the transitioned events on the stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { type Json, type TestService, startService } from '../support/service.js';
import { readStream, waitFor } from '../support/stream.js';

let nats: TestNats;
let svc: TestService;
const STREAM = 'WORKFLOW_EVENTS';

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let store: TestStore;

  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    svc = await startService({ ...store.env, NATS_URL: nats.url, STREAM_NAME: STREAM });
  });
  afterAll(async () => {
    await svc?.stop();
    await store?.dispose();
    await nats?.stop();
  });

  const as = (user: string, roles: string) => ({ 'X-User-ID': user, 'X-User-Roles': roles });
  const AGENT = as('dana', 'agent');
  const SUPERVISOR = as('sam', 'supervisor');
  const ADMIN = as('root', 'admin');
  const CUSTOMER = as('cust-1', 'customer');
  const OTHER_CUSTOMER = as('cust-2', 'customer');

  async function create(over: Json = {}, headers: Record<string, string> = AGENT): Promise<Json> {
    const res = await svc.call('/api/v1/tickets', {
      method: 'POST',
      json: { title: 'VPN down', created_by: 'cust-1', customer_id: 'cust-1', ...over },
      headers,
    });
    expect(res.status).toBe(201);
    return (await res.json()) as Json;
  }

  async function fire(id: string, name: string, headers: Record<string, string> = AGENT, json?: Json) {
    const res = await svc.call(`/api/v1/tickets/${id}/transitions/${name}`, { method: 'POST', headers, ...(json ? { json } : {}) });
    return { status: res.status, etag: res.headers.get('etag'), body: (await res.json()) as Json };
  }

  describe('moving a ticket through the workflow', () => {
    it('walks new → assigned → in_progress → resolved → closed, keeping resolved_at and closed_at', async () => {
      const t = await create();
      expect(t.enabled_transitions).toEqual(['assign']);
      const assigned = await fire(t.id, 'assign', AGENT, { assignee: 'dana', comment: 'mine' });
      expect(assigned).toMatchObject({
        status: 200,
        etag: '"2"',
        body: { status: 'assigned', assignee: 'dana', version: 2, enabled_transitions: ['start_work'] },
      });
      expect((await fire(t.id, 'start_work')).body.status).toBe('in_progress');
      const resolved = await fire(t.id, 'resolve');
      expect(resolved.body).toMatchObject({ status: 'resolved', resolved_at: expect.any(String), closed_at: null });
      const closed = await fire(t.id, 'close');
      expect(closed.body).toMatchObject({ status: 'closed', resolved_at: resolved.body.resolved_at, closed_at: expect.any(String), version: 5 });
    });

    it('accepts a transition without any body', async () => {
      const t = await create();
      await fire(t.id, 'assign', AGENT, { assignee: 'dana' });
      const res = await svc.call(`/api/v1/tickets/${t.id}/transitions/start_work`, { method: 'POST', headers: AGENT });
      expect(res.status).toBe(200);
    });

    it('publishes one transitioned event per firing with from, to, transition and actor, in version order', async () => {
      const t = await create();
      await fire(t.id, 'assign', AGENT, { assignee: 'dana', comment: 'taking it' });
      await fire(t.id, 'start_work');
      const events = await waitFor(async () => {
        const found = (await readStream(nats.url, STREAM)).filter((e) => e.event.data?.id === t.id && e.subject.endsWith('.transitioned'));
        return found.length === 2 ? found : undefined;
      }, 'two transitioned events');
      expect(events[0]!.subject).toBe('acme.ticket.ticket.event.transitioned');
      expect(events[0]!.headers.schema).toBe('ticket.event.transitioned@v1');
      expect(events[0]!.event.meta?.actor).toBe('dana');
      expect(events[0]!.event.transition).toMatchObject({ name: 'assign', from: 'new', to: 'assigned', comment: 'taking it' });
      expect(events[1]!.event.transition).toMatchObject({ name: 'start_work', from: 'assigned', to: 'in_progress' });
      expect(events.map((e) => e.event.data?.version)).toEqual([2n, 3n]);
    });

    it('answers 409 naming the enabled transitions when the one asked for is not', async () => {
      const t = await create();
      const res = await fire(t.id, 'close');
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'transition_not_enabled', fields: { transition: 'enabled: assign' } });
      expect(res.body.error).toContain('assign');
    });

    it('answers 403 to a role that may not fire it, and lets a supervisor and an admin', async () => {
      const t = await create();
      await fire(t.id, 'assign', AGENT, { assignee: 'dana' });
      await fire(t.id, 'start_work');
      await fire(t.id, 'escalate');
      expect(await fire(t.id, 'resolve_escalated', AGENT)).toMatchObject({ status: 403, body: { code: 'role_not_allowed' } });
      expect((await fire(t.id, 'resolve_escalated', SUPERVISOR)).status).toBe(200);
      await fire(t.id, 'close');
      expect((await fire(t.id, 'reopen', ADMIN)).body.status).toBe('new');
    });

    it('answers 404 for an unknown transition and 400 for assign without an assignee', async () => {
      const t = await create();
      expect(await fire(t.id, 'teleport')).toMatchObject({ status: 404, body: { code: 'unknown_transition' } });
      expect(await fire(t.id, 'assign', AGENT, {})).toMatchObject({
        status: 400,
        body: { code: 'assignee_required', fields: { assignee: expect.any(String) } },
      });
      expect(await fire(t.id, 'assign', AGENT, { assignee: '' })).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    });

    it('answers 412 to a stale If-Match and changes nothing', async () => {
      const t = await create();
      const res = await svc.call(`/api/v1/tickets/${t.id}/transitions/assign`, {
        method: 'POST',
        headers: { ...AGENT, 'If-Match': '"7"' },
        json: { assignee: 'x' },
      });
      expect(res.status).toBe(412);
      expect(((await (await svc.call(`/api/v1/tickets/${t.id}`, { headers: AGENT })).json()) as Json).status).toBe('new');
    });

    it('lists what the caller may fire next', async () => {
      const t = await create();
      await fire(t.id, 'assign', AGENT, { assignee: 'dana' });
      await fire(t.id, 'start_work');
      const res = await svc.call(`/api/v1/tickets/${t.id}/transitions`, { headers: AGENT });
      expect(await res.json()).toMatchObject({
        status: 'in_progress',
        enabled_transitions: ['escalate', 'request_info', 'resolve'],
        transitions: [
          { name: 'escalate', to: 'escalated', allowed: true },
          { name: 'request_info', to: 'pending_customer', allowed: true },
          { name: 'resolve', to: 'resolved', allowed: true },
        ],
      });
    });
  });

  describe('customers', () => {
    it("see and list only their own tickets; others' are 404", async () => {
      const mine = await create({ customer_id: 'cust-1' });
      const theirs = await create({ customer_id: 'cust-2' });
      expect((await svc.call(`/api/v1/tickets/${mine.id}`, { headers: CUSTOMER })).status).toBe(200);
      const hidden = await svc.call(`/api/v1/tickets/${theirs.id}`, { headers: CUSTOMER });
      expect(hidden.status).toBe(404);
      expect(await hidden.json()).toMatchObject({ code: 'not_found' });
      expect((await svc.call(`/api/v1/tickets/${theirs.id}/history`, { headers: CUSTOMER })).status).toBe(404);
      expect((await fire(theirs.id, 'reopen', CUSTOMER)).status).toBe(404);
      const page = (await (await svc.call('/api/v1/tickets?limit=100', { headers: CUSTOMER })).json()) as Json;
      expect(page.items.length).toBeGreaterThan(0);
      expect(page.items.every((t: Json) => t.customer_id === 'cust-1')).toBe(true);
      expect((await svc.call('/api/v1/tickets?customer_id=cust-2', { headers: CUSTOMER })).status).toBe(403);
    });

    it('reply while pending and reopen when closed, and file tickets only for themselves', async () => {
      const t = await create({}, CUSTOMER);
      expect(t.customer_id).toBe('cust-1');
      expect(t.enabled_transitions).toEqual([]);
      await fire(t.id, 'assign', AGENT, { assignee: 'dana' });
      await fire(t.id, 'start_work');
      await fire(t.id, 'request_info');
      expect((await svc.call(`/api/v1/tickets/${t.id}`, { headers: CUSTOMER }).then((r) => r.json() as Promise<Json>)).enabled_transitions).toEqual([
        'customer_reply',
      ]);
      expect((await fire(t.id, 'customer_reply', OTHER_CUSTOMER)).status).toBe(404);
      expect((await fire(t.id, 'customer_reply', CUSTOMER)).body.status).toBe('in_progress');
      const other = await svc.call('/api/v1/tickets', { method: 'POST', headers: CUSTOMER, json: { title: 'x', created_by: 'cust-1', customer_id: 'cust-9' } });
      expect(other.status).toBe(403);
      expect(await other.json()).toMatchObject({ code: 'forbidden', fields: { customer_id: expect.any(String) } });
    });

    it('are refused an unknown role in X-User-Roles', async () => {
      const res = await svc.call('/api/v1/tickets', { headers: as('x', 'customer,wizard') });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'invalid_roles', fields: { 'X-User-Roles': expect.stringContaining('wizard') } });
    });
  });

  describe('history and time travel', () => {
    it('lists every event of a ticket in order and rebuilds it at any version or instant', async () => {
      const t = await create({ title: 'first' });
      await new Promise((r) => setTimeout(r, 5));
      const v1At = new Date().toISOString();
      // `at` includes its own millisecond: the change must come in a later one.
      await new Promise((r) => setTimeout(r, 5));
      await svc.call(`/api/v1/tickets/${t.id}`, { method: 'PATCH', headers: AGENT, json: { title: 'second' } });
      await fire(t.id, 'assign', AGENT, { assignee: 'dana' });
      const history = (await (await svc.call(`/api/v1/tickets/${t.id}/history`, { headers: AGENT })).json()) as Json;
      // The SLA metric events between them (SPEC §12) have a suite of their own.
      const changes = history.items.filter((e: Json) => e.action !== 'sla_changed');
      expect(changes.map((e: Json) => e.action)).toEqual(['created', 'updated', 'transitioned']);
      expect(changes[2].transition).toMatchObject({ name: 'assign', from: 'new', to: 'assigned' });

      const at = async (point: string) => svc.call(`/api/v1/tickets/${t.id}?at=${encodeURIComponent(point)}`, { headers: AGENT });
      expect(await (await at('1')).json()).toMatchObject({ title: 'first', status: 'new', version: 1 });
      expect(await (await at('2')).json()).toMatchObject({ title: 'second', status: 'new', version: 2 });
      expect(await (await at(v1At)).json()).toMatchObject({ title: 'first', version: 1 });
      expect(await (await at('99')).json()).toMatchObject({ status: 'assigned', version: 3 });
      expect((await at('2001-01-01T00:00:00Z')).status).toBe(404);
      const bad = await at('last tuesday');
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'invalid_at', fields: { at: expect.any(String) } });
    });

    it('keeps a deleted ticket travelable to before its deletion', async () => {
      const t = await create();
      expect((await svc.call(`/api/v1/tickets/${t.id}`, { method: 'DELETE', headers: AGENT })).status).toBe(204);
      expect((await svc.call(`/api/v1/tickets/${t.id}?at=1`, { headers: AGENT })).status).toBe(200);
      expect((await svc.call(`/api/v1/tickets/${t.id}?at=2`, { headers: AGENT })).status).toBe(404);
    });
  });

  describe('the workflow document', () => {
    it('serves the net as JSON and as a Mermaid diagram', async () => {
      const doc = (await (await svc.call('/api/v1/workflow')).json()) as Json;
      expect(doc.places).toContain('pending_customer');
      expect(doc.transitions).toHaveLength(9);
      const res = await svc.call('/api/v1/workflow?format=mermaid');
      expect(res.headers.get('content-type')).toContain('text/vnd.mermaid');
      expect(await res.text()).toContain('escalated --> resolved: resolve_escalated (supervisor)');
      expect((await svc.call('/api/v1/workflow?format=png')).status).toBe(400);
    });
  });
});
