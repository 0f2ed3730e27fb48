// The reference: the create load against bare Hono (bench/bareHono.ts) in a child process, after a
// warm-up, from the same load generator with the same connections as the service's loads.
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/nats/localServer.js';
import { assertRunning, spawnNode, waitForStatus } from './childProcess.js';
import { drive } from './httpLoad.js';
import { type LoadCost, measuredLoad } from './loadCost.js';
import { createRequest } from './ticketRequests.js';

const BARE_HONO = fileURLToPath(new URL('./bareHono.js', import.meta.url));

export async function measureBareHono(plan: {
  connections: number;
  warmSeconds: number;
  loadSeconds: number;
  loadWorkers: number | undefined;
  natsPid: number;
  onChild: (stop: () => Promise<void>) => void;
}): Promise<LoadCost> {
  const port = await freePort();
  const bare = spawnNode('bare Hono', BARE_HONO, { PORT: String(port), HOST: '127.0.0.1' });
  plan.onChild(() => bare.stop());
  try {
    const base = { url: `http://127.0.0.1:${port}`, connections: plan.connections, workers: plan.loadWorkers };
    await waitForStatus(bare, `${base.url}/health`, 200);
    await drive({ ...base, seconds: plan.warmSeconds, request: createRequest() });
    const cost = await measuredLoad({ servicePid: bare.pid, natsPid: plan.natsPid }, () =>
      drive({ ...base, seconds: plan.loadSeconds, request: createRequest() }),
    );
    assertRunning(bare);
    return cost;
  } finally {
    await bare.stop();
  }
}
