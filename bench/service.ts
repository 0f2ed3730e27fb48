// Starts ticket-svc as a child process on a free port with the benchmark's environment: the bundle
// (dist/bundle/main.js) that `npm start` and the Docker image run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/nats/localServer.js';
import { type NodeChild, spawnNode, waitForStatus } from './childProcess.js';

const MAIN = fileURLToPath(new URL('../bundle/main.js', import.meta.url));

/** The entry of another checkout's build: its bundle, or for builds from before the bundle, tsc's output. */
export function serviceEntry(checkout: string): string {
  const bundle = join(checkout, 'dist/bundle/main.js');
  return existsSync(bundle) ? bundle : join(checkout, 'dist/src/main.js');
}

export type ServiceChild = NodeChild & { url: string; dbPath: string };

export type ServicePlan = {
  label: string;
  dataDir: string;
  natsUrl: string;
  /** COMPONENTS; the measured service runs the write path only: the API and the relay. */
  components?: string;
  stream?: string;
  synchronous?: 'FULL' | 'NORMAL';
  /** API_WORKERS; undefined: the service's default. */
  workers?: number;
  /** Wait for GET /ready = 200 (false: return as soon as it is spawned). */
  waitReady?: boolean;
  /** Another build's entry (bench/compare.ts); this build's by default. */
  main?: string;
  /** More environment, applied last. */
  env?: Record<string, string>;
};

export async function startService(plan: ServicePlan): Promise<ServiceChild> {
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: plan.dataDir,
    NATS_URL: plan.natsUrl,
    NATS_AUTOSTART: 'false',
    LOG_LEVEL: 'warn',
  };
  if (plan.components) env.COMPONENTS = plan.components;
  if (plan.stream) env.STREAM_NAME = plan.stream;
  if (plan.synchronous) env.SQLITE_SYNCHRONOUS = plan.synchronous;
  if (plan.workers !== undefined) env.API_WORKERS = String(plan.workers);
  Object.assign(env, plan.env);
  const child = spawnNode(plan.label, plan.main ?? MAIN, env);
  const url = `http://127.0.0.1:${port}`;
  const service = { ...child, url, dbPath: `${plan.dataDir}/ticket-svc.db` };
  if (plan.waitReady === false) return service;
  try {
    await waitForStatus(child, `${url}/ready`, 200);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return service;
}
