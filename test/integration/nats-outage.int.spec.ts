// With NATS down the API keeps answering, /ready says 503, and every event goes out once NATS is back.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type TestService, startService } from '../support/service.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { publishedSoFar, readStream, waitFor } from '../support/stream.js';

const STREAM = 'OUTAGE_EVENTS';
let nats: TestNats;
let svc: TestService;

const createTickets = async (n: number, prefix: string) => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await svc.call('/api/v1/tickets', {
      method: 'POST',
      json: { title: `${prefix} ${i}`, created_by: 'ops', description: i === 0 ? 'critical' : undefined },
    });
    expect(res.status).toBe(201);
    ids.push(((await res.json()) as { id: string }).id);
  }
  return ids;
};

const metric = async (name: string) => {
  const text = await (await svc.call('/metrics')).text();
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
};

describe.runIf(process.env.NATS_URL === undefined).each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let store: TestStore;
  beforeAll(async () => {
    nats = await startTestNats();
    await nats.kill(); // the service starts while nothing answers
    store = await flavour.fresh();
    svc = await startService({ ...store.env, NATS_URL: nats.url, STREAM_NAME: STREAM });
  });
  afterAll(async () => {
    await svc?.stop();
    await store?.dispose();
    await nats?.stop();
  });

  describe('a NATS outage', () => {
    it('keeps writes succeeding, reports not ready, and publishes everything exactly once when NATS returns', async () => {
      const before = await createTickets(20, 'while down');
      const ready = await svc.call('/ready');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'not_ready', checks: { store: 'ok' } });
      const patched = await svc.call(`/api/v1/tickets/${before[1]}`, { method: 'PATCH', json: { priority: 'low' } });
      expect(patched.status).toBe(200);

      await nats.restart();
      await waitFor(async () => (await svc.call('/ready')).status === 200, 'ready after NATS returns', 60_000);
      const during = await createTickets(5, 'after return');

      // NATS dies again while the service runs: writes go on, and the relay catches up afterwards.
      await nats.kill();
      await waitFor(async () => (await svc.call('/ready')).status === 503, 'not ready after the second outage', 60_000);
      const after = await createTickets(10, 'second outage');
      await nats.restart();
      await waitFor(async () => (await metric('outbox_backlog')) === 0 && (await svc.call('/ready')).status === 200, 'backlog drained', 90_000);

      // The gauge may not have moved yet: everything written so far is in the stream once a marker
      // ticket written after it is (its own tenant, left out of what is counted here).
      const events = (await publishedSoFar(svc, nats.url, STREAM, 90_000)).filter((e) => !e.subject.startsWith('marker.'));
      const created = events.filter((e) => e.event.meta?.action === 'created').map((e) => e.event.data!.id);
      expect(created).toEqual([...before, ...during, ...after]);
      const ids = events.map((e) => e.event.meta!.eventId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(events.filter((e) => e.subject.endsWith('.requested'))).toHaveLength(3);
      const updated = events.filter((e) => e.event.meta?.action === 'updated');
      expect(updated.map((e) => e.event.data?.id)).toEqual([before[1]]);
    }, 300_000);

    it('sets the stream up again when it disappears under a running service', async () => {
      const nc = await connect({ servers: nats.url });
      await (await jetstreamManager(nc)).streams.delete(STREAM);
      await nc.close();
      const [id] = await createTickets(1, 'after the stream was deleted');
      const events = await waitFor(
        async () => {
          const found = await readStream(nats.url, STREAM);
          return found.some((e) => e.event.data?.id === id) ? found : undefined;
        },
        'the event in a recreated stream',
        60_000,
      );
      expect(events.filter((e) => e.event.data?.id === id && e.event.meta?.action === 'created')).toHaveLength(1);
    }, 120_000);
  });
});
