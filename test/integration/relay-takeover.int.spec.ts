// Scale-out on PostgreSQL: two api replicas take writes, two relay processes share the outbox and
// only the leader (advisory lock) publishes. SIGKILL the leader mid-load: the other takes over, and
// every acknowledged write has exactly one event in the stream, each ticket's in version order.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driveLoad, expectExactlyOnce, metricOf, streamWithEveryWrite } from '../support/load.js';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type ServiceProcess, spawnService } from '../support/service.js';
import { type TestStore, sharedStoreFlavours, skipFlavour } from '../support/stores.js';
import { readStream, waitFor } from '../support/stream.js';

const STREAM = 'TAKEOVER_EVENTS';

describe.runIf(process.env.NATS_URL === undefined).each(await sharedStoreFlavours())('relays sharing $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let nats: TestNats;
  let store: TestStore;
  const processes: ServiceProcess[] = [];
  beforeEach(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop()));
    await store?.dispose();
    await nats?.stop();
  });
  const spawn = async (components: string) => {
    const p = await spawnService({ ...store.env, COMPONENTS: components, NATS_URL: nats.url, STREAM_NAME: STREAM });
    processes.push(p);
    return p;
  };
  const leaders = async (relays: ServiceProcess[]) => {
    const flags = await Promise.all(relays.map((r) => metricOf(r, 'relay_leader')));
    return relays.filter((_, i) => flags[i] === 1);
  };

  it('publish through one leader at a time; the follower takes over when the leader is killed, with nothing lost or doubled', async () => {
    const apis = [await spawn('api'), await spawn('api')];
    const relays = [await spawn('relay'), await spawn('relay')];
    const [leader] = await waitFor(async () => ((await leaders(relays)).length === 1 ? leaders(relays) : undefined), 'one relay leading', 60_000);
    const follower = relays.find((r) => r !== leader)!;

    const load = driveLoad(apis);
    await waitFor(async () => (await readStream(nats.url, STREAM)).length > 50 || undefined, 'the leader publishing', 90_000);
    expect(await metricOf(follower, 'events_published_total')).toBe(0); // a follower publishes nothing

    await leader!.kill();
    processes.splice(processes.indexOf(leader!), 1);
    await waitFor(async () => (await metricOf(follower, 'relay_leader')) === 1 || undefined, 'the follower taking over', 60_000);
    const ackedAtTakeover = load.acked.created.length;
    await waitFor(async () => load.acked.created.length > ackedAtTakeover + 100 || undefined, 'writes going on', 90_000);
    await load.stop();

    const events = await streamWithEveryWrite(nats.url, STREAM, load.acked, 120_000);
    expectExactlyOnce(events, load.acked);
    expect(await metricOf(follower, 'events_published_total')).toBeGreaterThan(0); // the new leader published
  }, 600_000);
});
