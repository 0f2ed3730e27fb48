// SPEC §12 through HTTP and the stream: calendars, each tier counting business minutes of its
// calendar, the response / next_reply / resolution targets, GET /tickets/{id}/sla and the SLA
// metric events, each also an sla_changed event on the stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { System } from '../../src/system.js';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type Json, type TestService, startService } from '../support/service.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { publishedSoFar } from '../support/stream.js';

const STREAM = 'HOURS_EVENTS';
const ADMIN = { 'X-User-ID': 'root', 'X-User-Roles': 'admin' };
const AGENT = { 'X-User-ID': 'dana', 'X-User-Roles': 'agent' };
const CUSTOMER = { 'X-User-ID': 'cust-1', 'X-User-Roles': 'customer' };
const DAY = 24 * 60 * 60_000;

const utcDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const startOfUtcDay = (t: number) => Date.parse(`${utcDay(t)}T00:00:00.000Z`);

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let nats: TestNats;
  let store: TestStore;
  let svc: TestService & { system: System };
  /** Yesterday, today and tomorrow (UTC) are holidays of the `office` calendar, open round the clock otherwise. */
  let holidays: string[];

  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    svc = await startService({ ...store.env, NATS_URL: nats.url, STREAM_NAME: STREAM, SLA_SCAN_INTERVAL_MS: '3600000', COMPONENTS: 'api,relay,sla' });
    const now = Date.now();
    holidays = [utcDay(now - DAY), utcDay(now), utcDay(now + DAY)];
  });
  afterAll(async () => {
    await svc?.stop();
    await store?.dispose();
    await nats?.stop();
  });

  const put = (path: string, json: unknown, tenant = 'hours') => svc.call(`/api/v1/config/${path}`, { method: 'PUT', json, headers: ADMIN, tenant });
  const call = (path: string, init: { method?: string; json?: unknown; headers?: Record<string, string> } = {}) =>
    svc.call(path, { headers: AGENT, ...init, tenant: 'hours' });
  const everyDay = (ranges: string[][]) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ranges]));

  describe('calendars', () => {
    it('refuse a bad calendar, naming the field', async () => {
      const cases: Array<[unknown, string]> = [
        [{ timezone: 'Mars/Olympus', hours: { mon: [['09:00', '17:00']] } }, 'calendars.bad.timezone'],
        [{ timezone: 'UTC', hours: { mon: [['09:00', '25:00']] } }, 'calendars.bad.hours.mon.0.1'],
        [{ timezone: 'UTC', hours: {} }, 'calendars.bad.hours'],
      ];
      for (const [calendar, field] of cases) {
        const res = await put('calendars', { calendars: { bad: calendar } });
        expect(res.status).toBe(400);
        const body = (await res.json()) as Json;
        expect(body.code).toBe('validation_failed');
        expect(Object.keys(body.fields).some((f) => f.startsWith(field))).toBe(true);
      }
      const overlapping = await put('calendars', {
        calendars: {
          bad: {
            timezone: 'UTC',
            hours: {
              mon: [
                ['09:00', '12:00'],
                ['11:00', '17:00'],
              ],
            },
          },
        },
      });
      expect(overlapping.status).toBe(400);
    });

    it('are listed with the built-in 24x7, and a tier may name only one that exists', async () => {
      const office = { timezone: 'UTC', hours: everyDay([['00:00', '24:00']]), holidays };
      expect((await put('calendars', { calendars: { office } })).status).toBe(200);
      const listed = (await (await call('/api/v1/config/calendars', { headers: ADMIN })).json()) as Json;
      expect(Object.keys(listed.calendars).sort()).toEqual(['24x7', 'office']);
      const unknown = await put('sla', { tiers: { standard: { calendar: 'nowhere' } } });
      expect(unknown.status).toBe(400);
      expect(((await unknown.json()) as Json).fields).toHaveProperty(['tiers.standard.calendar']);
      const policy = { tiers: { standard: { calendar: 'office', critical: { response: 30, next_reply: 60, resolution: 480 } } } };
      expect((await put('sla', policy)).status).toBe(200);
      const sla = (await (await call('/api/v1/config/sla', { headers: ADMIN })).json()) as Json;
      expect(sla.calendars).toMatchObject({ standard: 'office', premium: '24x7' });
      // A calendar a tier names cannot be dropped.
      const dropped = await put('calendars', { calendars: {} });
      expect(dropped.status).toBe(400);
      expect(((await dropped.json()) as Json).fields).toHaveProperty('calendars');
    });
  });

  describe('targets', () => {
    let ticket: Json;

    it('count business minutes only: a ticket opened on a holiday is due after the next opening', async () => {
      const res = await call('/api/v1/tickets', {
        method: 'POST',
        json: { title: 'VPN down', created_by: 'cust-1', priority: 'critical', customer_id: 'cust-1' },
      });
      expect(res.status).toBe(201);
      ticket = (await res.json()) as Json;
      // Holidays run to the end of tomorrow (UTC); the office opens at the start of the day after.
      const created = Date.parse(ticket.created_at);
      let opening = startOfUtcDay(created) + DAY;
      while (holidays.includes(utcDay(opening))) opening += DAY;
      expect(ticket.sla).toMatchObject({ calendar: 'office', response_due_at: new Date(opening + 30 * 60_000).toISOString(), next_reply_due_at: null });
      expect(ticket.sla.resolution_due_at).toBe(new Date(opening + 480 * 60_000).toISOString());

      const sla = (await (await call(`/api/v1/tickets/${ticket.id}/sla`)).json()) as Json;
      expect(sla.calendar).toBe('office');
      expect(sla.targets.map((t: Json) => t.target)).toEqual(['response', 'resolution']);
      // No business minute has passed yet: all 30 are left, unrounded.
      expect(sla.targets[0].business_minutes_left).toBeCloseTo(30, 6);
      expect(sla.events).toEqual([
        { type: 'activated', target: 'response', at: ticket.created_at },
        { type: 'activated', target: 'resolution', at: ticket.created_at },
      ]);
    });

    it('start a next_reply round with each customer reply, met by the next public staff reply only', async () => {
      expect((await call(`/api/v1/tickets/${ticket.id}/comments`, { method: 'POST', json: { body: 'Looking', internal: false } })).status).toBe(201);
      await call(`/api/v1/tickets/${ticket.id}/comments`, { method: 'POST', json: { body: 'Still down', internal: false }, headers: CUSTOMER });
      await call(`/api/v1/tickets/${ticket.id}/comments`, { method: 'POST', json: { body: 'note to self', internal: true } });
      let sla = (await (await call(`/api/v1/tickets/${ticket.id}/sla`)).json()) as Json;
      const round = sla.targets.find((t: Json) => t.target === 'next_reply');
      expect(round).toMatchObject({ round: 1, paused: false });
      expect(round.met_at).toBeUndefined();
      await call(`/api/v1/tickets/${ticket.id}/comments`, { method: 'POST', json: { body: 'Fixed the route', internal: false } });
      sla = (await (await call(`/api/v1/tickets/${ticket.id}/sla`)).json()) as Json;
      expect(sla.targets.find((t: Json) => t.target === 'next_reply').met_at).toEqual(expect.any(String));
      expect(sla.targets.find((t: Json) => t.target === 'response').met_at).toEqual(expect.any(String));
      expect(sla.events.map((e: Json) => `${e.type}:${e.target}`)).toEqual([
        'activated:response',
        'activated:resolution',
        'fulfilled:response',
        'activated:next_reply',
        'fulfilled:next_reply',
      ]);
    });

    it('pause while waiting for the customer, and the reply starts the next round', async () => {
      for (const [name, body, headers] of [
        ['assign', { assignee: 'dana' }, AGENT],
        ['start_work', {}, AGENT],
        ['request_info', {}, AGENT],
      ] as const) {
        expect((await call(`/api/v1/tickets/${ticket.id}/transitions/${name}`, { method: 'POST', json: body, headers })).status).toBe(200);
      }
      const paused = (await (await call(`/api/v1/tickets/${ticket.id}/sla`)).json()) as Json;
      expect(paused.targets.find((t: Json) => t.target === 'resolution').paused).toBe(true);
      const replied = await call(`/api/v1/tickets/${ticket.id}/transitions/customer_reply`, { method: 'POST', json: {}, headers: CUSTOMER });
      expect(replied.status).toBe(200);
      const sla = (await (await call(`/api/v1/tickets/${ticket.id}/sla`)).json()) as Json;
      expect(sla.targets.filter((t: Json) => t.target === 'next_reply').map((t: Json) => t.round)).toEqual([1, 2]);
      expect(sla.events.slice(5).map((e: Json) => `${e.type}:${e.target}`)).toEqual(['paused:resolution', 'resumed:resolution', 'activated:next_reply']);
    });

    it('breach once, and every metric event is an sla_changed event on the stream', async () => {
      // Long after every deadline (the calendar opens the day after tomorrow).
      const later = new Date(Date.now() + 10 * DAY);
      await svc.system.sla!.runOnce(later);
      await svc.system.sla!.runOnce(later);
      const sla = (await (await call(`/api/v1/tickets/${ticket.id}/sla`)).json()) as Json;
      const breached = sla.events.filter((e: Json) => e.type === 'breached').map((e: Json) => e.target);
      expect(breached.sort()).toEqual(['next_reply', 'resolution']);
      const streamed = (await publishedSoFar(svc, nats.url, STREAM)).filter(
        (e) => e.subject === 'hours.ticket.ticket.event.sla_changed' && e.event.data?.id === ticket.id,
      );
      expect(streamed.map((e) => `${e.event.slaChange?.metric}:${e.event.slaChange?.target}`)).toEqual(sla.events.map((e: Json) => `${e.type}:${e.target}`));
      const breach = streamed.find((e) => e.event.slaChange?.metric === 'breached')!;
      expect(breach.event.slaChange).toMatchObject({ to: 'breached', crossed: [expect.stringMatching(/_breach$/)] });
      expect(breach.event.meta?.actor).toBe('system:sla');
    });
  });
});
