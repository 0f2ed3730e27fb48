// A private nats-server per test file: NATS_URL when given, else the binary on a free port with a
// temporary store, else a container through testcontainers when a Docker engine answers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServerBinary, freePort, spawnNatsServer } from '../../src/nats/localServer.js';

export { freePort };

export type TestNats = {
  url: string;
  port: number;
  /** Whether kill()/restart() are available (a private binary we control). */
  controllable: boolean;
  kill(): Promise<void>;
  /** Starts the server again on the same port and store, as after a crash. */
  restart(): Promise<void>;
  stop(): Promise<void>;
};

export async function startTestNats(): Promise<TestNats> {
  const given = process.env.NATS_URL;
  if (given) {
    const port = Number(new URL(given.split(',')[0]!).port || 4222);
    const unsupported = () => Promise.reject(new Error('NATS_URL given: this test needs a private nats-server'));
    return { url: given, port, controllable: false, kill: unsupported, restart: unsupported, stop: async () => undefined };
  }
  const bin = findNatsServerBinary();
  if (bin) return privateServer(bin);
  if (dockerAnswers()) return containerServer();
  throw new Error('integration tests need nats-server (apt-get install nats-server), a Docker engine, or NATS_URL');
}

async function privateServer(bin: string): Promise<TestNats> {
  const storeDir = mkdtempSync(join(tmpdir(), 'ticket-svc-nats-'));
  const port = await freePort();
  let proc = await spawnNatsServer({ bin, host: '127.0.0.1', port, storeDir });
  return {
    url: proc.url,
    port,
    controllable: true,
    kill: () => proc.kill(),
    async restart() {
      proc = await spawnNatsServer({ bin, host: '127.0.0.1', port, storeDir });
    },
    async stop() {
      await proc.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 3000 });
    return true;
  } catch {
    return false;
  }
}

async function containerServer(): Promise<TestNats> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('nats:2.9-alpine')
    .withCommand(['-js'])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  const port = container.getMappedPort(4222);
  const unsupported = () => Promise.reject(new Error('container NATS: kill/restart not supported'));
  return {
    url: `nats://${container.getHost()}:${port}`,
    port,
    controllable: false,
    kill: unsupported,
    restart: unsupported,
    stop: async () => {
      await container.stop();
    },
  };
}
