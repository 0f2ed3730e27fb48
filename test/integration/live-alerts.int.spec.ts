// SPEC §5 /alerts/ws: a tenant's live events over a WebSocket, to authenticated clients only; no client
// ever sees another tenant's events, customers see only their own tickets, slow clients are dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { type Json, type TestService, startService } from '../support/service.js';
import { waitFor } from '../support/stream.js';

const STREAM = 'LIVE_EVENTS';
let nats: TestNats;
let svc: TestService;

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let store: TestStore;

  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    svc = await startService({ ...store.env, NATS_URL: nats.url, STREAM_NAME: STREAM, COMPONENTS: 'api,relay,live', LIVE_MAX_BUFFERED_BYTES: '65536' });
    await waitFor(async () => (await svc.call('/ready')).ok, 'ready');
  });
  afterAll(async () => {
    await svc?.stop();
    await store?.dispose();
    await nats?.stop();
  });

  type Live = { socket: WebSocket; events: Array<Json>; closed: Promise<number> };

  /** Opens the live socket and waits until the service says events will reach it. */
  async function openLive(tenant: string, headers: Record<string, string> = {}): Promise<Live> {
    const socket = new WebSocket(`${svc.url.replace('http', 'ws')}/api/v1/alerts/ws`, { headers: { 'X-Tenant-ID': tenant, ...headers } });
    const events: Array<Json> = [];
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const ready = new Promise<void>((resolve, reject) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as Json;
        if (message.type === 'ready') resolve();
        else events.push(message);
      });
      socket.once('error', reject);
    });
    await ready;
    return { socket, events, closed };
  }

  /** The status a refused handshake answers with. */
  function handshakeStatus(headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${svc.url.replace('http', 'ws')}/api/v1/alerts/ws`, { headers });
      socket.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        socket.terminate();
      });
      socket.once('open', () => reject(new Error('the handshake was accepted')));
      socket.once('error', () => undefined);
    });
  }

  /** A refused handshake's status and JSON body. */
  function handshakeAnswer(query: string, headers: Record<string, string>): Promise<{ status: number; body: Json }> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${svc.url.replace('http', 'ws')}/api/v1/alerts/ws${query}`, { headers });
      socket.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Json });
          socket.terminate();
        });
      });
      socket.once('open', () => reject(new Error('the handshake was accepted')));
      socket.once('error', () => undefined);
    });
  }

  async function createTicket(tenant: string, body: Record<string, unknown> = {}): Promise<string> {
    const res = await svc.call('/api/v1/tickets', { method: 'POST', tenant, json: { title: 'Live one', created_by: 'bob', ...body } });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  describe('live alerts', () => {
    let acme: Live;
    let globex: Live;
    let customer: Live;

    beforeAll(async () => {
      acme = await openLive('acme');
      globex = await openLive('globex', { 'X-User-Roles': 'supervisor' });
      customer = await openLive('acme', { 'X-User-Roles': 'customer', 'X-User-ID': 'cust-1' });
    });
    afterAll(() => {
      for (const live of [acme, globex, customer]) live?.socket.close();
    });

    it("streams the tenant's events as JSON", async () => {
      const id = await createTicket('acme', { description: 'critical: it is on fire' });
      const created = await waitFor(async () => acme.events.find((e) => e.ticket?.id === id && e.action === 'created'), 'the created event');
      expect(created).toMatchObject({
        type: 'event',
        subject: 'acme.ticket.ticket.event.created',
        tenant: 'acme',
        schema: 'ticket.event.created@v1',
        ticket: { id, title: 'Live one', tenant: 'acme' },
      });
      expect(created.event_id).toMatch(/^[0-9a-f-]{36}$/);
      const note = await waitFor(
        async () => acme.events.find((e) => e.ticket?.id === id && e.subject.endsWith('notification.event.requested')),
        'the notification',
      );
      expect(note.notification).toEqual({ reason: 'severity_keyword', keywords: ['critical'] });
    });

    it("never sends a client another tenant's events", async () => {
      const ours = await createTicket('globex');
      const theirs = await createTicket('acme');
      await waitFor(async () => globex.events.some((e) => e.ticket?.id === ours) && acme.events.some((e) => e.ticket?.id === theirs), 'both events');
      expect(globex.events.every((e) => e.tenant === 'globex' && e.subject.startsWith('globex.'))).toBe(true);
      expect(acme.events.every((e) => e.tenant === 'acme')).toBe(true);
      expect(acme.events.some((e) => e.ticket?.id === ours)).toBe(false);
    });

    it('sends a customer only the events of their own tickets', async () => {
      const mine = await createTicket('acme', { customer_id: 'cust-1' });
      const other = await createTicket('acme', { customer_id: 'cust-2' });
      await waitFor(async () => acme.events.some((e) => e.ticket?.id === other) && customer.events.some((e) => e.ticket?.id === mine), 'the events');
      expect(customer.events.length).toBeGreaterThan(0);
      expect(customer.events.every((e) => e.ticket?.customer_id === 'cust-1')).toBe(true);
    });

    it('never sends a customer an internal comment on their own ticket', async () => {
      const mine = await createTicket('acme', { customer_id: 'cust-1' });
      const comment = (body: string, internal: boolean) =>
        svc.call(`/api/v1/tickets/${mine}/comments`, { method: 'POST', json: { body, internal }, tenant: 'acme', headers: { 'X-User-ID': 'dana' } });
      expect((await comment('between us: legacy plan', true)).status).toBe(201);
      expect((await comment('we are on it', false)).status).toBe(201);
      await waitFor(async () => customer.events.some((e) => e.comment?.body === 'we are on it'), 'the public comment');
      await waitFor(async () => acme.events.some((e) => e.comment?.body === 'between us: legacy plan'), 'staff got the internal one');
      expect(customer.events.some((e) => e.comment?.internal)).toBe(false);
      expect(JSON.stringify(customer.events)).not.toContain('legacy plan');
    });

    it("refuses a handshake without a valid tenant or identity, with the API's status", async () => {
      expect(await handshakeStatus({})).toBe(400);
      expect(await handshakeStatus({ 'X-Tenant-ID': 'acme.*' })).toBe(400);
      expect(await handshakeStatus({ 'X-Tenant-ID': 'acme', 'X-User-Roles': 'emperor' })).toBe(400);
    });

    it('lets a browser in with a ticket instead of headers, as the caller it was issued to', async () => {
      const issued = await svc.call('/api/v1/alerts/ticket', { method: 'POST', headers: { 'X-User-Roles': 'customer', 'X-User-ID': 'cust-9' } });
      expect(issued.status).toBe(201);
      const { ticket, url, expires_at } = (await issued.json()) as { ticket: string; url: string; expires_at: string };
      expect(url).toBe(`/api/v1/alerts/ws?ticket=${ticket}`);
      expect(Date.parse(expires_at)).toBeGreaterThan(Date.now());
      // No tenant header, no identity: what a browser's `new WebSocket(url)` sends.
      const socket = new WebSocket(`${svc.url.replace('http', 'ws')}${url}`);
      const events: Json[] = [];
      const ready = new Promise<Json>((resolve, reject) => {
        socket.on('message', (data) => {
          const message = JSON.parse(String(data)) as Json;
          if (message.type === 'ready') resolve(message);
          else events.push(message);
        });
        socket.once('error', reject);
      });
      try {
        expect(await ready).toMatchObject({ tenant: 'acme', user: 'cust-9' });
        const own = await createTicket('acme', { customer_id: 'cust-9', title: 'Mine, live' });
        const other = await createTicket('acme', { customer_id: 'cust-10', title: 'Not mine' });
        await waitFor(async () => events.some((e) => e.ticket?.id === own), 'the customer sees their own ticket');
        expect(events.some((e) => e.ticket?.id === other)).toBe(false);
      } finally {
        socket.close();
      }
    });

    it('refuses a forged or altered ticket (401) and one for another tenant (403), each with a JSON error', async () => {
      const issued = (await (await svc.call('/api/v1/alerts/ticket', { method: 'POST' })).json()) as { ticket: string };
      const [payload, signature] = issued.ticket.split('.');
      const altered = `${payload!.slice(0, -2)}${payload!.endsWith('A') ? 'B' : 'A'}${payload!.slice(-1)}.${signature}`;
      for (const ticket of ['forged', 'a.b', altered]) {
        expect(await handshakeAnswer(`?ticket=${encodeURIComponent(ticket)}`, {})).toMatchObject({ status: 401, body: { code: 'invalid_ticket' } });
      }
      expect(await handshakeAnswer(`?ticket=${issued.ticket}`, { 'X-Tenant-ID': 'globex' })).toMatchObject({ status: 403, body: { code: 'tenant_mismatch' } });
    });

    it('answers 426 upgrade_required to a plain GET', async () => {
      const res = await svc.call('/api/v1/alerts/ws');
      expect(res.status).toBe(426);
      expect(await res.json()).toMatchObject({ code: 'upgrade_required' });
    });
  });

  describe('a live client that stops reading', () => {
    it('is dropped once too much is waiting for it, while a reading client keeps its connection', async () => {
      const slow = await openLive('initech');
      const reader = await openLive('initech');
      slow.socket.pause();
      // Every read of a ticket with a long description is a read event of about 2.5 kB.
      const id = await createTicket('initech', { description: 'x'.repeat(2000) });
      const dropped = async () => /live_clients_dropped_total\S* 1\b/.test(await (await svc.call('/metrics')).text());
      const readEvents = () => reader.events.filter((e) => e.action === 'read').length;
      let reads = 0;
      while (!(await dropped())) {
        // A bound on a count (100 MB of events the slow client never takes), not on a time.
        expect(reads).toBeLessThan(40_000);
        // At most one batch ahead of what the reading client has: how many reads the drop takes then
        // depends on buffer sizes, not on how far the relay lags behind on a busy machine.
        await waitFor(async () => readEvents() >= reads - 50, `the reading client at ${reads - 50} read events`, 120_000);
        await Promise.all(Array.from({ length: 50 }, () => svc.call(`/api/v1/tickets/${id}`, { tenant: 'initech' }).then((r) => r.arrayBuffer())));
        reads += 50;
      }
      slow.socket.resume();
      expect(await slow.closed).toBe(1006); // cut, not closed: a close frame would wait behind the backlog
      await waitFor(async () => readEvents() >= reads, 'every read event at the reading client', 120_000);
      expect(reader.socket.readyState).toBe(WebSocket.OPEN);
      reader.socket.close();
    }, 300_000);
  });

  describe('shutting the service down', () => {
    it('closes live clients with 1001 (going away) instead of waiting for them', async () => {
      const live = await openLive('acme');
      await svc.stop();
      expect(await live.closed).toBe(1001);
    });
  });
});
