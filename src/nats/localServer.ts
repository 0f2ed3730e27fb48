// Starts a nats-server child with JetStream, for `npm start` on a laptop and for the tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { delimiter, join } from 'node:path';

export type NatsServerProcess = {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, for outage tests. */
  kill(): Promise<void>;
};

export function findNatsServerBinary(explicit?: string, path = process.env.PATH ?? ''): string | undefined {
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  const dirs = [...path.split(delimiter), '/usr/sbin', '/usr/local/bin', '/usr/bin'];
  return dirs.map((d) => join(d, 'nats-server')).find((p) => existsSync(p));
}

export async function spawnNatsServer(opts: {
  bin: string;
  host: string;
  port: number;
  storeDir: string;
  extraArgs?: string[];
  startTimeoutMs?: number;
}): Promise<NatsServerProcess> {
  mkdirSync(opts.storeDir, { recursive: true });
  const args = ['-a', opts.host, '-p', String(opts.port), '-js', '-sd', opts.storeDir, ...(opts.extraArgs ?? [])];
  // Its own process group: a Ctrl-C or group SIGTERM reaches the service, which flushes the relay before stopping this child.
  const child = spawn(opts.bin, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  // A binary that cannot be run (no permission, a directory) is reported here, not thrown.
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
  while (!(await portAnswers(opts.host, opts.port))) {
    if (spawnError || child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not start on ${opts.host}:${opts.port}: ${spawnError?.message ?? stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url: `nats://${opts.host}:${opts.port}`,
    port: opts.port,
    child,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}

export function portAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A port nothing listens on right now (for test and benchmark servers). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * When NATS_URL names one local server that does not answer, start nats-server there with
 * its store under the data dir, so `npm start` is the whole system on a laptop.
 */
export async function startLocalNatsIfAbsent(opts: {
  servers: string[];
  dataDir: string;
  bin?: string | undefined;
}): Promise<NatsServerProcess | 'already_running' | 'not_local' | 'no_binary'> {
  const [only] = opts.servers;
  if (opts.servers.length !== 1 || !only) return 'not_local';
  const url = new URL(only);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return 'not_local';
  const port = Number(url.port || 4222);
  const host = url.hostname === 'localhost' ? '127.0.0.1' : url.hostname.replace(/^\[|\]$/g, '');
  if (await portAnswers(host, port)) return 'already_running';
  const bin = findNatsServerBinary(opts.bin);
  if (!bin) return 'no_binary';
  return spawnNatsServer({ bin, host, port, storeDir: join(opts.dataDir, 'nats') });
}
