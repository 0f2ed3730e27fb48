// SPEC §6 through HTTP: tenant settings, routing at create, SLA fields, the scheduler's
// thresholds as events (once, even with two schedulers on one store), the dashboard and batch import.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { type Json, type TestService, startService, tempDataDir } from '../support/service.js';
import type { System } from '../../src/system.js';
import { type LogLine, recordingLog } from '../support/consumers.js';
import { publishedSoFar, waitFor } from '../support/stream.js';

let nats: TestNats;
let svc: TestService & { system: System };
let twin: TestService & { system: System };
const STREAM = 'SLA_EVENTS';
let dataDir: string;
let policyPath: string;
/** What `svc` logged at warn and above (a broken policy file, for one). */
let logged: LogLine[];
const ADMIN = { 'X-User-ID': 'root', 'X-User-Roles': 'admin' };
const AGENT = { 'X-User-ID': 'dana', 'X-User-Roles': 'agent' };

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let store: TestStore;

  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    dataDir = tempDataDir();
    policyPath = join(dataDir, 'sla.yaml');
    writeFileSync(policyPath, 'tiers:\n  premium:\n    high: { response: 30, resolution: 600 }\n');
    // The scan interval is long: the tests drive passes themselves.
    const env = { ...store.env, NATS_URL: nats.url, STREAM_NAME: STREAM, DATA_DIR: dataDir, SLA_CONFIG_PATH: policyPath, SLA_SCAN_INTERVAL_MS: '3600000' };
    const recording = recordingLog('warn');
    logged = recording.lines;
    svc = await startService(env, { log: recording.log });
    // A second replica on the same store: API and scheduler, no relay (one relay per SQLite file).
    twin = await startService({ ...env, COMPONENTS: 'api,sla' });
  });
  afterAll(async () => {
    await twin?.stop();
    await svc?.stop();
    await store?.dispose();
    await nats?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const put = (path: string, json: unknown, headers = ADMIN, tenant = 'acme') => svc.call(`/api/v1/config/${path}`, { method: 'PUT', json, headers, tenant });
  async function create(over: Json = {}, tenant = 'acme') {
    const res = await svc.call('/api/v1/tickets', { method: 'POST', json: { title: 'Down', created_by: 'bob', ...over }, headers: AGENT, tenant });
    expect(res.status).toBe(201);
    return (await res.json()) as Json;
  }

  describe('tenant settings', () => {
    it('are for admins only', async () => {
      expect((await svc.call('/api/v1/config/sla', { headers: AGENT })).status).toBe(403);
      expect((await put('routing', { rules: [] }, AGENT)).status).toBe(403);
    });

    it('refuse bad input, naming the field', async () => {
      const res = await put('sla', { tiers: { gold: {} } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'validation_failed', fields: { 'tiers.gold': expect.any(String) } });
      const negative = await put('sla', { tiers: { standard: { low: { response: -1, resolution: 5 } } } });
      expect(((await negative.json()) as Json).fields).toHaveProperty(['tiers.standard.low.response']);
      expect(
        (
          await put('routing', {
            rules: [
              { priority: 'high', assignee: 'a' },
              { priority: 'high', assignee: 'b' },
            ],
          })
        ).status,
      ).toBe(400);
      expect((await put('severity', { keywords: [] })).status).toBe(400);
    });

    it('layer the policy file, then the tenant override, over the defaults', async () => {
      const before = (await (await svc.call('/api/v1/config/sla', { headers: ADMIN })).json()) as Json;
      expect(before.tiers.premium.high).toEqual({ response: 30, resolution: 600 });
      expect(before.tiers.standard.critical).toEqual({ response: 15, resolution: 240 });
      const after = (await (await put('sla', { tiers: { enterprise: null } }, ADMIN, 'globex')).json()) as Json;
      expect(after.tiers.enterprise).toBeNull();
      const t = await create({ customer_tier: 'enterprise' }, 'globex');
      expect(t.sla).toBeNull();
    });

    it('reload the policy file when it changes, and keep the last good policy when it breaks', async () => {
      writeFileSync(policyPath, 'tiers:\n  premium:\n    high: { response: 45, resolution: 600 }\n');
      await waitFor(
        async () =>
          ((await (await svc.call('/api/v1/config/sla', { tenant: 'file-check', headers: ADMIN })).json()) as Json).tiers.premium.high.response === 45,
        'reload',
        60_000,
      );
      writeFileSync(policyPath, 'tiers: [this is: not a policy\n');
      // Until the service says it read the broken file: a condition, where a pause may end too soon.
      await waitFor(async () => logged.some((l) => l.operation === 'sla_policy' && /broken/.test(l.msg)), 'the broken policy file noticed', 60_000);
      expect(((await (await svc.call('/api/v1/config/sla', { tenant: 'file-check-2', headers: ADMIN })).json()) as Json).tiers.premium.high.response).toBe(45);
    }, 150_000);

    it("use the tenant's severity keywords", async () => {
      await put('severity', { keywords: ['outage'] }, ADMIN, 'sev-tenant');
      const t = await create({ description: 'total OUTAGE in region' }, 'sev-tenant');
      const quiet = await create({ description: 'critical but not for this tenant' }, 'sev-tenant');
      // Both tickets' events are in the stream by now, the quiet one's included.
      const requested = (await publishedSoFar(svc, nats.url, STREAM)).filter((e) => e.subject === 'sev-tenant.notification.notification.event.requested');
      expect(requested.map((e) => e.event.data?.id)).toEqual([t.id]);
      expect(quiet.id).not.toBe(t.id);
    });
  });

  describe('routing', () => {
    it('assigns a new ticket by its priority, with a fallback, and leaves it new without rules', async () => {
      await put('routing', { rules: [{ priority: 'critical', assignee: 'oncall' }], fallback: 'triage' }, ADMIN, 'routed');
      expect(await create({ priority: 'critical' }, 'routed')).toMatchObject({
        status: 'assigned',
        assignee: 'oncall',
        version: 2,
        enabled_transitions: ['start_work'],
      });
      expect(await create({ priority: 'low' }, 'routed')).toMatchObject({ status: 'assigned', assignee: 'triage' });
      expect(await create({ priority: 'low' }, 'unrouted')).toMatchObject({ status: 'new', assignee: null });
    });
  });

  describe('the SLA engine', () => {
    it('shows the SLA on every ticket', async () => {
      const t = await create({ priority: 'critical' });
      expect(t.sla).toEqual({
        state: 'ok',
        calendar: '24x7',
        next_reply_due_at: null,
        response_due_at: new Date(Date.parse(t.created_at) + 15 * 60_000).toISOString(),
        resolution_due_at: new Date(Date.parse(t.created_at) + 240 * 60_000).toISOString(),
        first_response_at: null,
        paused: false,
      });
    });

    it('alerts, then breaches with an escalation and a notification, each once across two schedulers', async () => {
      await put('sla', { tiers: { standard: { high: { response: 10, resolution: 100 }, critical: { response: 5, resolution: 30 } } } }, ADMIN, 'fast');
      const t = await create({ priority: 'high' }, 'fast');
      const minutesIn = (m: number) => new Date(Date.parse(t.created_at) + m * 60_000);
      // Both replicas pass at the same instants; each threshold must still fire once.
      await Promise.all([svc.system.sla!.runOnce(minutesIn(9)), twin.system.sla!.runOnce(minutesIn(9))]);
      const alerted = (await (await svc.call(`/api/v1/tickets/${t.id}`, { tenant: 'fast', headers: AGENT })).json()) as Json;
      expect(alerted.sla.state).toBe('alert');
      await Promise.all([svc.system.sla!.runOnce(minutesIn(11)), twin.system.sla!.runOnce(minutesIn(11))]);
      await svc.system.sla!.runOnce(minutesIn(12));
      const breached = (await (await svc.call(`/api/v1/tickets/${t.id}`, { tenant: 'fast', headers: AGENT })).json()) as Json;
      expect(breached).toMatchObject({ escalation_level: 1, sla: { state: 'breached' } });

      // Everything both schedulers committed is in the stream by now: these three, not a fourth.
      const events = (await publishedSoFar(svc, nats.url, STREAM)).filter(
        (e) => e.event.data?.id === t.id && (/requested/.test(e.subject) || (e.event.slaChange?.crossed.length ?? 0) > 0),
      );
      expect(events.map((e) => e.subject.split('.').pop())).toEqual(['sla_changed', 'requested', 'sla_changed']);
      expect(events[0]!.event.slaChange).toMatchObject({ from: 'ok', to: 'alert', crossed: ['response_alert'], metric: 'alerted', target: 'response' });
      expect(events[1]!.event.notification).toMatchObject({ reason: 'sla_breached' });
      expect(events[2]!.event.slaChange).toMatchObject({ from: 'alert', to: 'breached', metric: 'breached' });
      expect(events[2]!.event.meta?.actor).toBe('system:sla');
    });

    it('stops the clock while waiting for the customer', async () => {
      const t = await create({ priority: 'critical', customer_id: 'c1' }, 'fast');
      for (const [name, body] of [
        ['assign', { assignee: 'dana' }],
        ['start_work', {}],
        ['request_info', {}],
      ] as const) {
        await svc.call(`/api/v1/tickets/${t.id}/transitions/${name}`, { method: 'POST', json: body, tenant: 'fast', headers: AGENT });
      }
      // A day later the 30-minute resolution target would long be breached, had the clock run.
      await svc.system.sla!.runOnce(new Date(Date.parse(t.created_at) + 24 * 60 * 60_000));
      const paused = (await (await svc.call(`/api/v1/tickets/${t.id}`, { tenant: 'fast', headers: AGENT })).json()) as Json;
      expect(paused.sla).toMatchObject({ state: 'ok', paused: true, first_response_at: expect.any(String) });
    });
  });

  describe('the dashboard', () => {
    it('counts by status, priority and SLA state and lists a state most urgent first', async () => {
      const res = await svc.call('/api/v1/dashboard?state=breached&limit=10', { tenant: 'fast', headers: AGENT });
      expect(res.status).toBe(200);
      const d = (await res.json()) as Json;
      expect(d.counts.status).toMatchObject({ new: 1, pending_customer: 1, closed: 0 });
      expect(d.counts.sla_state).toMatchObject({ breached: 1, ok: 1, alert: 0 });
      expect(d.open_breaches).toBe(1);
      expect(d.oldest_open.tenant).toBe('fast');
      expect(d.tickets.items.map((t: Json) => t.sla.state)).toEqual(['breached']);
      const listed = (await (await svc.call('/api/v1/tickets?sla_state=breached', { tenant: 'fast', headers: AGENT })).json()) as Json;
      expect(listed.items.map((t: Json) => t.id)).toEqual(d.tickets.items.map((t: Json) => t.id));
      expect((await svc.call('/api/v1/dashboard?state=late', { tenant: 'fast', headers: AGENT })).status).toBe(400);
      expect((await svc.call('/api/v1/dashboard', { tenant: 'fast', headers: { 'X-User-Roles': 'customer' } })).status).toBe(403);
    });
  });

  describe('batch import', () => {
    const batch = (tickets: unknown[]) => svc.call('/api/v1/tickets/batch', { method: 'POST', json: { tickets }, tenant: 'importer', headers: AGENT });

    it('creates or updates by external_id with a result per item, and one bad item spoils nothing', async () => {
      const res = await batch([
        { external_id: 'Z-1', title: 'one', created_by: 'zendesk' },
        { external_id: 'Z-2', title: '', created_by: 'zendesk' },
        { title: 'no external id', created_by: 'zendesk' },
        { external_id: 'Z-3', title: 'three', created_by: 'zendesk', priority: 'urgent' },
        { external_id: 'Z-4', title: 'four', created_by: 'zendesk', tags: ['a'] },
      ]);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Json;
      expect(body).toMatchObject({ created: 2, updated: 0, unchanged: 0, failed: 3 });
      expect(body.items.map((i: Json) => [i.index, i.status, i.outcome])).toEqual([
        [0, 201, 'created'],
        [1, 400, 'error'],
        [2, 400, 'error'],
        [3, 400, 'error'],
        [4, 201, 'created'],
      ]);
      expect(body.items[1].error).toMatchObject({ code: 'validation_failed', fields: { title: expect.any(String) } });
      expect(body.items[2].error.fields).toHaveProperty('external_id');
      expect(body.items[3].error.fields).toHaveProperty('priority');
    });

    it('changes nothing and publishes nothing new when the same batch comes twice', async () => {
      const items = [
        { external_id: 'Y-1', title: 'same', created_by: 'jira' },
        { external_id: 'Y-2', title: 'same too', created_by: 'jira', priority: 'high' },
      ];
      const first = (await (await batch(items)).json()) as Json;
      expect(first.created).toBe(2);
      const importer = (await publishedSoFar(svc, nats.url, STREAM)).filter((e) => e.subject.startsWith('importer.'));
      expect(importer.filter((e) => e.subject === 'importer.ticket.ticket.event.created').length).toBeGreaterThanOrEqual(4);
      const published = importer.length;
      const second = (await (await batch(items)).json()) as Json;
      expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 2, failed: 0 });
      expect(second.items.map((i: Json) => i.id)).toEqual(first.items.map((i: Json) => i.id));
      const changed = (await (await batch([{ ...items[0], title: 'renamed' }])).json()) as Json;
      expect(changed.items[0]).toMatchObject({ outcome: 'updated', status: 200, version: 2 });
      // Everything the three batches committed is in the stream by now: the one update and nothing else.
      expect((await publishedSoFar(svc, nats.url, STREAM)).filter((e) => e.subject.startsWith('importer.')).length).toBe(published + 1);
    });

    it('refuses more than 500 items, and customers', async () => {
      const many = Array.from({ length: 501 }, (_, i) => ({ external_id: `M-${i}`, title: 't', created_by: 'x' }));
      const res = await batch(many);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ fields: { tickets: expect.stringContaining('500') } });
      const customer = await svc.call('/api/v1/tickets/batch', { method: 'POST', json: { tickets: [{}] }, headers: { 'X-User-Roles': 'customer' } });
      expect(customer.status).toBe(403);
    });
  });
});
