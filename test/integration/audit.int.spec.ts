// SPEC §8 audit: every event becomes one row of an append-only, tenant-scoped log that admins read
// through GET /api/v1/audit; replaying the whole stream leaves exactly one row per event.
import { rmSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caughtUp } from '../support/consumers.js';
import { type TestNats, startTestNats } from '../support/nats.js';
import pg from 'pg';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { type Json, type TestService, startService, tempDataDir } from '../support/service.js';
import { publishedSoFar, readStream, waitFor } from '../support/stream.js';

const STREAM = 'AUDIT_EVENTS';
let nats: TestNats;
let svc: TestService;
let dataDir: string;
let store: TestStore;
const env = () => ({ ...store.env, NATS_URL: nats.url, STREAM_NAME: STREAM, DATA_DIR: dataDir, COMPONENTS: 'api,relay,audit' });
const admin = { 'X-User-Roles': 'admin', 'X-User-ID': 'root' };

/** Forgets which events the consumers handled, in whichever store the service runs on. */
async function forgetProcessed(): Promise<void> {
  const url = store.env.DATABASE_URL;
  if (!url) {
    const db = new BetterSqlite3(`${dataDir}/ticket-svc.db`);
    db.prepare('DELETE FROM processed_events').run();
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('DELETE FROM processed_events');
  await client.end();
}

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);

  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    dataDir = tempDataDir();
    svc = await startService(env());
    await waitFor(async () => (await svc.call('/ready')).ok, 'ready');
  });
  afterAll(async () => {
    await svc?.stop();
    await store?.dispose();
    await nats?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  type Entry = Json;

  async function createTicket(tenant: string, user: string, correlationId: string): Promise<string> {
    const res = await svc.call('/api/v1/tickets', {
      method: 'POST',
      tenant,
      json: { title: 'VPN down', created_by: user },
      headers: { 'X-User-ID': user, 'X-Correlation-ID': correlationId },
    });
    return ((await res.json()) as { id: string }).id;
  }

  async function auditPage(query = '', tenant = 'acme', headers: Record<string, string> = admin) {
    const res = await svc.call(`/api/v1/audit${query}`, { tenant, headers });
    return { res, body: (await res.json()) as { items: Entry[]; next_cursor: string | null } & Entry };
  }

  /** Every entry of the tenant, walking the pages. */
  async function wholeLog(tenant = 'acme'): Promise<Entry[]> {
    const out: Entry[] = [];
    let cursor: string | null = null;
    do {
      const { body } = await auditPage(`?limit=100${cursor ? `&cursor=${cursor}` : ''}`, tenant);
      out.push(...body.items);
      cursor = body.next_cursor;
    } while (cursor);
    return out;
  }

  /** Every event committed so far is in the stream (not just an outbox gauge that may not have moved yet), and audited. */
  async function settled(): Promise<void> {
    await publishedSoFar(svc, nats.url, STREAM);
    await caughtUp(nats.url, STREAM, 'audit', 60_000);
  }

  describe('the audit log', () => {
    let ticketId: string;

    beforeAll(async () => {
      // No SLA in these tenants: the entries counted here are the requests' own, without SLA metric events.
      for (const tenant of ['acme', 'globex']) {
        const off = await svc.call('/api/v1/config/sla', { method: 'PUT', tenant, headers: admin, json: { tiers: { standard: null } } });
        expect(off.status).toBe(200);
      }
      ticketId = await createTicket('acme', 'alice', 'corr-audit-1');
      await svc.call(`/api/v1/tickets/${ticketId}`, { method: 'PATCH', json: { priority: 'high' }, headers: { 'X-User-ID': 'bob' } });
      await svc.call(`/api/v1/tickets/${ticketId}`, { headers: { 'X-User-ID': 'carol' } });
      await createTicket('globex', 'mallory', 'corr-globex');
      await settled();
    });

    it('records who did what to which ticket, when, under which correlation id', async () => {
      const items = (await auditPage(`?ticket_id=${ticketId}`)).body.items;
      expect(items.map((e) => [e.action, e.actor])).toEqual([
        ['read', 'carol'],
        ['updated', 'bob'],
        ['created', 'alice'],
      ]);
      const created = items.find((e) => e.action === 'created')!;
      expect(created).toMatchObject({
        tenant: 'acme',
        ticket_id: ticketId,
        ticket_version: 1,
        correlation_id: 'corr-audit-1',
        subject: 'acme.ticket.ticket.event.created',
      });
      expect(Date.parse(created.occurred_at)).not.toBeNaN();
      expect(items.find((e) => e.action === 'updated')!.detail).toEqual({ changed_fields: ['priority'] });
    });

    it('holds one entry per event the tenant published, and nothing of other tenants', async () => {
      const published = (await readStream(nats.url, STREAM)).filter((e) => e.subject.startsWith('acme.'));
      const log = await wholeLog();
      expect(log.map((e) => e.event_id).sort()).toEqual(published.map((e) => e.headers['Nats-Msg-Id']).sort());
      expect(log.every((e) => e.tenant === 'acme')).toBe(true);
      expect((await wholeLog('globex')).map((e) => e.actor)).toEqual(['mallory']);
    });

    it('filters by actor and by time', async () => {
      expect((await auditPage('?actor=bob')).body.items.map((e) => e.action)).toEqual(['updated']);
      expect((await auditPage('?since=2999-01-01T00:00:00Z')).body.items).toEqual([]);
      expect((await auditPage('?since=2000-01-01T00:00:00%2B02:00&actor=alice')).body.items).toHaveLength(1);
    });

    it('pages newest first with an opaque cursor, without repeats or gaps', async () => {
      const all = await wholeLog();
      const first = await auditPage('?limit=2');
      expect(first.body.items).toEqual(all.slice(0, 2));
      const second = await auditPage(`?limit=2&cursor=${first.body.next_cursor}`);
      expect(second.body.items).toEqual(all.slice(2, 4));
    });

    it('is for admins only', async () => {
      for (const roles of ['agent', 'supervisor', 'customer']) {
        const { res, body } = await auditPage('', 'acme', { 'X-User-Roles': roles });
        expect(res.status).toBe(403);
        expect(body).toMatchObject({ code: 'role_not_allowed', fields: { roles: 'needs admin' } });
      }
    });

    it.each([
      ['?limit=0', 'limit'],
      ['?limit=abc', 'limit'],
      ['?since=yesterday', 'since'],
      ['?colour=blue', 'colour'],
    ])('refuses %s with 400 naming %s', async (query, field) => {
      const { res, body } = await auditPage(query);
      expect(res.status).toBe(400);
      expect(body.code).toBe('validation_failed');
      expect(Object.keys(body.fields)).toContain(field);
    });

    it('refuses a cursor it did not hand out', async () => {
      const { res, body } = await auditPage('?cursor=bm90LWEtY3Vyc29y');
      expect(res.status).toBe(400);
      expect(body.code).toBe('invalid_cursor');
    });
  });

  describe('replaying the whole stream into the audit log', () => {
    it('leaves exactly one row per event, however often it is replayed', async () => {
      const before = await wholeLog();
      for (let replay = 0; replay < 2; replay++) {
        await svc.stop();
        // Forget the position and what was processed: the audit consumer sees every event again.
        await forgetProcessed();
        const nc = await connect({ servers: nats.url });
        await (await jetstreamManager(nc)).consumers.delete(STREAM, 'audit');
        await nc.close();
        svc = await startService(env());
        await waitFor(async () => (await svc.call('/ready')).ok, 'ready');
        await settled();
      }
      const after = await wholeLog();
      expect(after.map((e) => e.event_id)).toEqual(before.map((e) => e.event_id));
      expect(new Set(after.map((e) => e.event_id)).size).toBe(after.length);
    }, 180_000);
  });
});
