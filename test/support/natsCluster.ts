// A three-node JetStream cluster on loopback: each node its own ports and store dir, routes to the
// others. Needs the nats-server binary (no container fallback).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsServerProcess, findNatsServerBinary, freePort, spawnNatsServer } from '../../src/nats/localServer.js';

export type ClusterNode = { name: string; url: string; process: NatsServerProcess };
export type TestNatsCluster = { nodes: ClusterNode[]; urls: string[]; stop(): Promise<void> };

/** Why a cluster cannot start here, or undefined. */
export function clusterUnavailable(): string | undefined {
  if (process.env.NATS_URL) return 'NATS_URL is given: the cluster test needs nats-server processes of its own';
  return findNatsServerBinary() ? undefined : 'no nats-server binary on PATH or in /usr/sbin';
}

export async function startTestNatsCluster(size = 3): Promise<TestNatsCluster> {
  const bin = findNatsServerBinary()!;
  const dir = mkdtempSync(join(tmpdir(), 'ticket-svc-nats-cluster-'));
  const ports = await Promise.all(Array.from({ length: size }, async () => ({ client: await freePort(), route: await freePort() })));
  const nodes = await Promise.all(
    ports.map(async ({ client, route }, i) => {
      const name = `n${i + 1}`;
      const routes = ports
        .filter((_, j) => j !== i)
        .map((p) => `nats://127.0.0.1:${p.route}`)
        .join(',');
      const proc = await spawnNatsServer({
        bin,
        host: '127.0.0.1',
        port: client,
        storeDir: join(dir, name),
        extraArgs: ['-n', name, '--cluster_name', 'ticket-svc-test', '--cluster', `nats://127.0.0.1:${route}`, '--routes', routes],
      });
      return { name, url: proc.url, process: proc };
    }),
  );
  return {
    nodes,
    urls: nodes.map((n) => n.url),
    async stop() {
      await Promise.all(nodes.map((n) => n.process.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
