// SPEC §8 notify: notification requests reach the tenant's webhooks signed, once per ticket and reason
// in 5 minutes; a receiver that keeps failing is retried with backoff and then dead-lettered, and a
// replay from the dead letters delivers; webhooks never reach private addresses unless allowed.
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters, replayDeadLetters } from '../../src/consumers/dlqCommands.js';
import { addressPolicy } from '../../src/consumers/notify/addresses.js';
import { verifySignature } from '../../src/consumers/notify/signature.js';
import { WebhookRefusedError, createWebhookClient } from '../../src/consumers/notify/webhookClient.js';
import { type ConsumerRig, type LogLine, caughtUp, consumerRig, publishEvent, recordingLog } from '../support/consumers.js';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { type Json, type TestService, startService } from '../support/service.js';
import { publishedSoFar, waitFor } from '../support/stream.js';

const STREAM = 'NOTIFY_EVENTS';
const DLQ = 'NOTIFY_DLQ';
const SECRET = 'whsec-0123456789abcdef';
let nats: TestNats;
let svc: TestService;
let rig: ConsumerRig;
/** What the service logged at warn and above: retries with the delay each asked for, dead letters. */
let logged: LogLine[];
const admin = { 'X-User-Roles': 'admin' };

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let store: TestStore;

  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    const recording = recordingLog('warn');
    logged = recording.lines;
    svc = await startService(
      {
        ...store.env,
        NATS_URL: nats.url,
        STREAM_NAME: STREAM,
        DLQ_STREAM_NAME: DLQ,
        COMPONENTS: 'api,relay,notify',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        CONSUMER_BACKOFF_BASE_MS: '100',
        WEBHOOK_TIMEOUT_MS: '2000',
      },
      { log: recording.log },
    );
    await waitFor(async () => (await svc.call('/ready')).ok, 'ready');
    rig = await consumerRig(nats.url, STREAM);
  });
  afterAll(async () => {
    await rig?.stop();
    await svc?.stop();
    await store?.dispose();
    await nats?.stop();
  });

  async function register(tenant: string, url: string, over: Record<string, unknown> = {}) {
    const res = await svc.call('/api/v1/webhooks', {
      method: 'POST',
      tenant,
      headers: admin,
      json: { name: 'ops', url, events: ['notification.event.requested'], secret: SECRET, ...over },
    });
    return { res, body: (await res.json()) as Json };
  }

  async function criticalTicket(tenant: string, title = 'Database down'): Promise<string> {
    const res = await svc.call('/api/v1/tickets', { method: 'POST', tenant, json: { title, created_by: 'bob', description: 'critical: writes fail' } });
    return ((await res.json()) as { id: string }).id;
  }

  describe('registering webhooks', () => {
    it('answers 201 with the webhook, never its secret, and lists it the same way', async () => {
      const { res, body } = await register('reg', 'https://example.com/hook');
      expect(res.status).toBe(201);
      expect(body).toMatchObject({ name: 'ops', url: 'https://example.com/hook', events: ['notification.event.requested'] });
      expect(JSON.stringify(body)).not.toContain(SECRET);
      const list = await (await svc.call('/api/v1/webhooks', { tenant: 'reg', headers: admin })).text();
      expect(list).toContain(body.id);
      expect(list).not.toContain(SECRET);
      expect(await (await svc.call('/api/v1/webhooks', { tenant: 'other', headers: admin })).json()).toEqual({ items: [] });
    });

    it('deletes a webhook once: 204, then 404', async () => {
      const { body } = await register('reg', 'https://example.com/gone');
      expect((await svc.call(`/api/v1/webhooks/${body.id}`, { method: 'DELETE', tenant: 'reg', headers: admin })).status).toBe(204);
      const again = await svc.call(`/api/v1/webhooks/${body.id}`, { method: 'DELETE', tenant: 'reg', headers: admin });
      expect(again.status).toBe(404);
      expect(await again.json()).toMatchObject({ code: 'webhook_not_found' });
    });

    it('is for admins only', async () => {
      const res = await svc.call('/api/v1/webhooks', { method: 'POST', tenant: 'reg', headers: { 'X-User-Roles': 'supervisor' }, json: {} });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'role_not_allowed' });
    });

    it.each([
      [{ url: 'ftp://example.com/x' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ secret: 'short' }, 'secret'],
      [{ events: [] }, 'events'],
      [{ events: ['ticket.event.created'] }, 'events.0'],
      [{ name: '' }, 'name'],
      [{ colour: 'blue' }, 'colour'],
    ])('refuses %j with 400 naming %s', async (over, field) => {
      const { res, body } = await register('reg', 'https://example.com/hook', over);
      expect(res.status).toBe(400);
      expect(body.code).toBe('validation_failed');
      expect(Object.keys(body.fields)).toContain(field);
    });
  });

  describe('a notification request', () => {
    let receiver: Receiver;
    let ticketId: string;

    beforeAll(async () => {
      receiver = await startReceiver();
      await register('acme', `${receiver.url}/hooks/ops`);
      await register('acme', `${receiver.url}/hooks/sla`, { events: ['ticket.event.sla_changed'] });
      ticketId = await criticalTicket('acme');
      await waitFor(async () => receiver.received.length > 0 || undefined, 'the webhook');
    });
    afterAll(async () => receiver?.stop());

    it('is POSTed as JSON to the webhooks subscribed to it, signed with their secret', () => {
      expect(receiver.received).toHaveLength(1);
      const [got] = receiver.received;
      expect(got!.path).toBe('/hooks/ops');
      expect(got!.headers['content-type']).toBe('application/json');
      expect(verifySignature(SECRET, got!.body, got!.headers['x-signature-256'] as string)).toBe(true);
      expect(verifySignature('another secret!!', got!.body, got!.headers['x-signature-256'] as string)).toBe(false);
    });

    it('carries a timestamp, a delivery id and the event name', () => {
      const { headers, body } = receiver.received[0]!;
      expect(Math.abs(Number(headers['x-webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(600);
      expect(headers['x-webhook-delivery']).toMatch(/^[0-9a-f-]{36}$/);
      expect(headers['x-webhook-event']).toBe('notification.event.requested');
      expect(JSON.parse(body)).toMatchObject({
        delivery_id: headers['x-webhook-delivery'],
        event: 'notification.event.requested',
        tenant: 'acme',
        reason: 'severity_keyword',
        keywords: ['critical'],
        ticket: { id: ticketId, title: 'Database down' },
      });
    });

    it('is not sent again for the same ticket and reason within 5 minutes', async () => {
      await svc.call(`/api/v1/tickets/${ticketId}`, { method: 'PATCH', tenant: 'acme', json: { description: 'critical: still failing' } });
      // Everything the PATCH caused is in the stream, and the notify consumer is through with it.
      await publishedSoFar(svc, nats.url, STREAM);
      await caughtUp(nats.url, STREAM, 'notify', 60_000);
      expect(receiver.received.filter((r) => r.path === '/hooks/ops')).toHaveLength(1);
    });

    it('of an SLA change goes to the webhooks subscribed to SLA changes', async () => {
      await publishEvent(nats.url, {
        tenant: 'acme',
        action: 'sla_changed',
        ticketId: 't-sla',
        eventId: '0199bbbb-0000-7000-8000-000000000001',
        title: 'Slow replies',
      });
      const got = await waitFor(async () => receiver.received.find((r) => r.path === '/hooks/sla'), 'the SLA webhook');
      expect(got.headers['x-webhook-event']).toBe('ticket.event.sla_changed');
      expect(JSON.parse(got.body)).toMatchObject({ event: 'ticket.event.sla_changed', ticket: { id: 't-sla', title: 'Slow replies' } });
    });

    it('for another ticket is sent', async () => {
      await criticalTicket('acme', 'Mail down');
      const mail = await waitFor(async () => receiver.received.find((r) => JSON.parse(r.body).ticket.title === 'Mail down'), 'the second webhook');
      expect(mail.path).toBe('/hooks/ops');
    });
  });

  describe('a webhook receiver that keeps failing', () => {
    let failing: Receiver;
    let healthy: Receiver;
    let broken = true;

    beforeAll(async () => {
      failing = await startReceiver('127.0.0.1', () => ({ status: broken ? 503 : 200 }));
      healthy = await startReceiver();
      await register('initech', `${failing.url}/down`);
      await register('initech', `${healthy.url}/up`);
      await criticalTicket('initech');
      // 3.1 s of backoff on an idle machine; a busy one may take much longer.
      await waitFor(
        async () => (await listDeadLetters(rig.link.current()!.js, rig.link.current()!.jsm, DLQ, 'notify')).length === 1 || undefined,
        'the dead letter',
        90_000,
      );
    }, 120_000);
    afterAll(async () => {
      await failing?.stop();
      await healthy?.stop();
    });

    it('is tried 1 + 5 times with the same delivery id, and the healthy webhook once', () => {
      expect(failing.received).toHaveLength(6);
      expect(new Set(failing.received.map((r) => r.headers['x-webhook-delivery'])).size).toBe(1);
      expect(healthy.received).toHaveLength(1);
    });

    it('is retried after twice as long each time', () => {
      // The delays the consumer asked JetStream for (its retry log lines), not the clock's gaps,
      // which a busy machine stretches unevenly.
      const failed = logged.find((l) => l.msg === 'webhook delivery failed' && l.tenant === 'initech');
      expect(failed).toBeDefined();
      const asked = logged
        .filter((l) => l.consumer === 'notify' && l.event_id === failed!.event_id && l.retry_in_ms !== undefined)
        .map((l) => [l.delivery, l.retry_in_ms]);
      expect(asked).toEqual([
        [1, 100],
        [2, 200],
        [3, 400],
        [4, 800],
        [5, 1600],
      ]);
      // And the receiver saw it wait: never sooner than asked (a lower bound only: a busy machine
      // can make a wait longer, never shorter).
      const gaps = failing.received.slice(1).map((r, i) => r.at - failing.received[i]!.at);
      expect(gaps).toHaveLength(5);
      for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(asked[i]![1]! * 0.9);
    });

    it('ends in the dead letters with the error and the delivery count', async () => {
      const [letter] = await listDeadLetters(rig.link.current()!.js, rig.link.current()!.jsm, DLQ, 'notify');
      expect(letter).toMatchObject({ consumer: 'notify', tenant: 'initech', deliveryCount: 6, subject: 'initech.notification.notification.event.requested' });
      expect(letter!.error).toMatch(/answered 503/);
    });

    it('is delivered by a replay from the dead letters, with the same delivery id, and the healthy webhook is not sent it again', async () => {
      broken = false;
      const handles = rig.link.current()!;
      expect(await replayDeadLetters(handles.js, handles.jsm, DLQ, 'notify')).toHaveLength(1);
      await waitFor(async () => failing.received.length === 7 || undefined, 'the replayed delivery', 60_000);
      expect(failing.received[6]!.headers['x-webhook-delivery']).toBe(failing.received[0]!.headers['x-webhook-delivery']);
      await caughtUp(nats.url, DLQ, 'notify_redrive', 60_000);
      expect(healthy.received).toHaveLength(1);
      expect(await listDeadLetters(handles.js, handles.jsm, DLQ, 'notify')).toEqual([]);
    }, 120_000);
  });

  describe('webhooks and private addresses (SSRF)', () => {
    let strict: TestService;
    let trap: Receiver;
    const client = createWebhookClient({ timeoutMs: 2000, permits: addressPolicy(false) });

    beforeAll(async () => {
      strict = await startService({ ...store.env, NATS_URL: nats.url, STREAM_NAME: STREAM, COMPONENTS: 'api' });
      trap = await startReceiver();
    });
    afterAll(async () => {
      await trap?.stop();
      await strict?.stop();
    });

    it.each([
      'http://127.0.0.1:9/x',
      'http://10.0.0.8/x',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/x',
      'http://100.64.1.1/x',
      'http://[fd00::1]/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://2130706433/x',
      'http://localhost:8080/x',
      'http://[::ffff:0:127.0.0.1]/',
      'http://[::127.0.0.1]/',
      'http://[2002:7f00:1::]/',
    ])('refuses to register %s', async (url) => {
      const res = await strict.call('/api/v1/webhooks', {
        method: 'POST',
        tenant: 'acme',
        headers: admin,
        json: { name: 'x', url, events: ['notification.event.requested'], secret: SECRET },
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'webhook_url_refused', fields: { url: expect.any(String) } });
    });

    it('refuses to deliver to a literal private address', async () => {
      await expect(client.post(`${trap.url}/x`, '{}', {})).rejects.toThrow(WebhookRefusedError);
      await expect(client.post('http://169.254.169.254/latest/meta-data/', '{}', {})).rejects.toThrow(/metadata/);
      expect(trap.received).toHaveLength(0);
    });

    it('refuses a host name that resolves to a loopback address', async () => {
      const port = new URL(trap.url).port;
      await expect(client.post(`http://localhost:${port}/x`, '{}', {})).rejects.toThrow(/localhost resolves to .* loopback/);
      expect(trap.received).toHaveLength(0);
    });

    it('refuses a name when any one of its addresses is private, and connects to the address it checked', async () => {
      const port = new URL(trap.url).port;
      const mixed = createWebhookClient({
        timeoutMs: 2000,
        permits: addressPolicy(false),
        resolve: async () => [
          { address: '8.8.8.8', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ],
      });
      await expect(mixed.post(`http://rebind.example:${port}/x`, '{}', {})).rejects.toThrow(/127\.0\.0\.1 is loopback/);
      // Allowed names connect to the resolved address, not to a second lookup of the name.
      const pinned = createWebhookClient({ timeoutMs: 2000, permits: () => true, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
      await pinned.post(`http://no-such-host.invalid:${port}/pinned`, '{}', {});
      expect(trap.received.map((r) => [r.path, r.headers.host])).toEqual([['/pinned', `no-such-host.invalid:${port}`]]);
    });

    it('refuses a redirect to a private address', async () => {
      // 127.0.0.2 stands in for a public host: the policy allows it and nothing else that is not public.
      const outside = await startReceiver('127.0.0.2', () => ({ status: 307, headers: { Location: `${trap.url}/inside` } }));
      const permits = (address: string) => address === '127.0.0.2' || addressPolicy(false)(address);
      const redirected = createWebhookClient({ timeoutMs: 2000, permits });
      try {
        await expect(redirected.post(`${outside.url}/hook`, '{}', {})).rejects.toThrow(/127\.0\.0\.1 is loopback/);
        expect(outside.received).toHaveLength(1);
        expect(trap.received.filter((r) => r.path === '/inside')).toHaveLength(0);
      } finally {
        await outside.stop();
      }
    });

    it('gives up on a receiver that does not answer within the timeout', async () => {
      const slow = createWebhookClient({ timeoutMs: 200, permits: () => true });
      // Accepts the connection and never answers.
      const blackhole = createServer(() => undefined);
      await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
      try {
        await expect(slow.post(`http://127.0.0.1:${(blackhole.address() as AddressInfo).port}/`, '{}', {})).rejects.toThrow(/within 200 ms/);
      } finally {
        blackhole.close();
      }
    });
  });
});
