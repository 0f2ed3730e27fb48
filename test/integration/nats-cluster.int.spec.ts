// Scale-out end to end: a three-node JetStream cluster on loopback with a three-replica stream, two
// service replicas (api + relay) on one PostgreSQL. Kill the stream's leader node and one service
// replica mid-load: every acknowledged write has exactly one event in the stream, each ticket's in
// version order.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driveLoad, expectExactlyOnce, metricOf, streamWithEveryWrite } from '../support/load.js';
import { type TestNatsCluster, clusterUnavailable, startTestNatsCluster } from '../support/natsCluster.js';
import { type ServiceProcess, spawnService } from '../support/service.js';
import { type TestStore, sharedStoreFlavours, skipFlavour } from '../support/stores.js';
import { readStream, waitFor } from '../support/stream.js';

const STREAM = 'CLUSTER_EVENTS';
const noCluster = clusterUnavailable();

async function streamInfo(url: string) {
  const nc = await connect({ servers: url });
  try {
    return await (await jetstreamManager(nc)).streams.info(STREAM);
  } finally {
    await nc.close();
  }
}

describe.each(await sharedStoreFlavours())('a NATS cluster and service replicas on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  if (noCluster) return void it.skip(`cluster test skipped: ${noCluster}`, () => undefined);
  let cluster: TestNatsCluster;
  let store: TestStore;
  const services: ServiceProcess[] = [];
  beforeEach(async () => {
    cluster = await startTestNatsCluster(3);
    store = await flavour.fresh();
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.stop()));
    await store?.dispose();
    await cluster?.stop();
  });

  it('loses and doubles nothing when a NATS node and a service replica die mid-load', async () => {
    const env = { ...store.env, NATS_URL: cluster.urls.join(','), STREAM_NAME: STREAM, STREAM_REPLICAS: '3' };
    services.push(await spawnService(env), await spawnService(env));
    for (const s of services) await waitFor(async () => (await s.call('/ready')).ok || undefined, 'replica ready', 60_000);
    const info = await waitFor(() => streamInfo(cluster.urls[0]!), 'stream info', 60_000);
    expect(info.config.num_replicas).toBe(3);
    expect(info.cluster?.replicas).toHaveLength(2);

    const load = driveLoad(services);
    await waitFor(async () => (await readStream(cluster.urls[0]!, STREAM)).length > 50 || undefined, 'events flowing', 90_000);

    // The node leading the stream, and the replica leading the relays: the hardest pair to lose.
    const streamLeader = cluster.nodes.find((n) => n.name === info.cluster?.leader) ?? cluster.nodes[0]!;
    await streamLeader.process.kill();
    const relayLeader = (await Promise.all(services.map(async (s) => ((await metricOf(s, 'relay_leader')) === 1 ? s : undefined)))).find(Boolean)!;
    await relayLeader.kill();
    services.splice(services.indexOf(relayLeader), 1);
    const survivor = services[0]!;
    const alive = cluster.nodes.find((n) => n !== streamLeader)!.url;

    await waitFor(async () => (await metricOf(survivor, 'relay_leader')) === 1 || undefined, 'the surviving replica relaying', 60_000);
    // Writes go on through the survivor while the cluster elects a new stream leader.
    const ackedAtKill = load.acked.created.length;
    await waitFor(async () => load.acked.created.length > ackedAtKill + 100 || undefined, 'writes going on', 90_000);
    await load.stop();

    expectExactlyOnce(await streamWithEveryWrite(alive, STREAM, load.acked, 120_000), load.acked);
  }, 600_000);
});
