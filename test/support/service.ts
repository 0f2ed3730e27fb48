// Starts the service the way users do: in-process through the composition root, or as a real
// child process (`node dist/bundle/main.js`, as `npm start` runs it) for tests that kill it. The
// store is SQLite in the data dir unless env carries a DATABASE_URL (see ./stores.ts for a fresh
// database of either kind).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig } from '../../src/config.js';
import { type System, startSystem } from '../../src/system.js';
import { freePort } from './nats.js';
import { waitFor } from './stream.js';

/** A response body as a test reads it: whatever the assertions that follow expect to find. */
// biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and let their assertions check the shape
export type Json = Record<string, any>;

export type TestService = {
  url: string;
  dataDir: string;
  /** fetch against the service with the tenant header (and JSON content type when a body is given). */
  call(path: string, init?: RequestInit & { tenant?: string | null; json?: unknown }): Promise<Response>;
  stop(): Promise<void>;
};

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'ticket-svc-test-'));
}

/** `opts.log`: the logger every component writes to (a test may read what was logged, see recordingLog). */
export async function startService(env: Record<string, string>, opts: { log?: Logger } = {}): Promise<TestService & { system: System }> {
  const dataDir = env.DATA_DIR ?? tempDataDir();
  const system = await startSystem(
    loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', NATS_AUTOSTART: 'false', RELAY_POLL_MS: '50', ...env, DATA_DIR: dataDir }),
    opts,
  );
  return {
    system,
    url: system.url,
    dataDir,
    call: caller(system.url),
    async stop() {
      await system.stop();
      if (!env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type ServiceProcess = TestService & { child: ChildProcess; output: () => string; kill(): Promise<void> };

/** The real program in its own process; `kill()` is a SIGKILL. */
export async function spawnService(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const dataDir = env.DATA_DIR ?? tempDataDir();
  // DATABASE_URL in the test run's environment names the server for test databases; the service
  // uses PostgreSQL only when the test hands it a database (SQLite otherwise).
  const { DATABASE_URL: _server, ...inherited } = process.env;
  const child = spawn(process.execPath, ['dist/bundle/main.js'], {
    env: { ...inherited, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NATS_AUTOSTART: 'false', RELAY_POLL_MS: '50', ...env, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => child.exitCode === null && (await fetch(`${url}/health`)).ok, `service on ${url} (${output})`);
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url,
    dataDir,
    child,
    output: () => output,
    call: caller(url),
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}

function caller(base: string) {
  return (path: string, init: RequestInit & { tenant?: string | null; json?: unknown } = {}) => {
    const { tenant = 'acme', json, headers, ...rest } = init;
    const h = new Headers(headers);
    if (tenant !== null && !h.has('x-tenant-id')) h.set('X-Tenant-ID', tenant);
    if (json !== undefined) {
      if (!h.has('content-type')) h.set('Content-Type', 'application/json');
      return fetch(base + path, { ...rest, headers: h, body: JSON.stringify(json) });
    }
    return fetch(base + path, { ...rest, headers: h });
  };
}
