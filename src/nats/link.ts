// The service's one NATS connection: connects in the background (the API never waits for it),
// reconnects forever, and ensures the stream after every (re)connect.
import { existsSync, readFileSync } from 'node:fs';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type Authenticator, type NatsConnection, connect, credsAuthenticator, nkeyAuthenticator } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { type Publisher, createPublisher } from '../events/publisher.js';
import { type StreamSettings, ensureStream } from '../events/stream.js';

export type NatsSettings = {
  servers: string[];
  credsFile: string | undefined;
  nkeySeed: string | undefined;
  name: string;
  stream: StreamSettings;
};

export type JetStreamHandles = { nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager; publisher: Publisher };

export type NatsLink = {
  /** The live handles once connected and the stream is in place; undefined otherwise. */
  current(): JetStreamHandles | undefined;
  /** Settles when current() next returns handles (or the link stops). */
  whenReady(): Promise<void>;
  /** Live check for /ready: connected, and the stream answers. */
  check(): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** After a refused publish: the stream may have gone (a server restarted without its store); set it up again. */
  recheck(): void;
  stop(): Promise<void>;
};

export function startNatsLink(settings: NatsSettings, log: Logger, { retryMs = 1000 } = {}): NatsLink {
  let handles: JetStreamHandles | undefined;
  let nc: NatsConnection | undefined;
  let stopped = false;
  let connected = false;
  let preparing = false;
  let waiters: Array<() => void> = [];
  const wakeWaiters = () => {
    const w = waiters;
    waiters = [];
    for (const fn of w) fn();
  };

  const authenticator = authenticatorFor(settings);

  const prepare = async (conn: NatsConnection): Promise<void> => {
    if (preparing) return;
    preparing = true;
    try {
      await ensureStreamUntilDone(conn);
    } finally {
      preparing = false;
    }
  };

  // A restarted server may have lost the stream; every (re)connect makes sure it is there.
  const ensureStreamUntilDone = async (conn: NatsConnection): Promise<void> => {
    for (;;) {
      if (stopped || conn.isClosed() || !connected) return;
      try {
        const jsm = await jetstreamManager(conn, { timeout: 5000 });
        const outcome = await ensureStream(jsm, settings.stream);
        log.info({ operation: 'ensure_stream', stream: settings.stream.name, outcome }, 'stream ready');
        const js = jetstream(conn, { timeout: 5000 });
        // Each publish carries its own ack timeout and fails when the connection closes: nothing to tear down.
        handles = { nc: conn, js, jsm, publisher: createPublisher(js, { ackTimeoutMs: 5000 }) };
        wakeWaiters();
        return;
      } catch (error) {
        log.error({ operation: 'ensure_stream', err: error }, 'stream not ready; retrying');
        await sleep(retryMs);
      }
    }
  };

  const watch = async (conn: NatsConnection): Promise<void> => {
    for await (const status of conn.status()) {
      if (status.type === 'disconnect') {
        connected = false;
        handles = undefined;
        log.warn({ operation: 'nats', server: status.server }, 'NATS disconnected; events wait in the outbox');
      } else if (status.type === 'reconnect') {
        connected = true;
        log.info({ operation: 'nats', server: status.server }, 'NATS reconnected');
        void prepare(conn);
      }
    }
  };

  const run = async (): Promise<void> => {
    let attempt = 0;
    while (!stopped) {
      try {
        const conn = await connect({
          servers: settings.servers,
          name: settings.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          timeout: 2000,
          // Async stack traces cost an Error per request; at our publish rates that is real CPU.
          noAsyncTraces: true,
          ...(authenticator ? { authenticator } : {}),
        });
        if (stopped) {
          await conn.close();
          return;
        }
        nc = conn;
        connected = true;
        log.info({ operation: 'nats', server: conn.getServer() }, 'NATS connected');
        void watch(conn);
        void conn.closed().then(() => {
          handles = undefined;
        });
        await prepare(conn);
        return;
      } catch (error) {
        if (attempt++ % 10 === 0) log.warn({ operation: 'nats', err: error, servers: settings.servers }, 'NATS unreachable; retrying');
        await sleep(retryMs);
      }
    }
  };
  void run();

  return {
    current: () => handles,
    whenReady() {
      return handles || stopped ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
    },
    async check() {
      if (!nc || nc.isClosed() || !connected) return { ok: false, reason: 'nats not connected' };
      if (!handles) return { ok: false, reason: 'stream not ready' };
      try {
        await withTimeout(handles.jsm.streams.info(settings.stream.name), 2000);
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: `stream ${settings.stream.name}: ${(error as Error).message}` };
      }
    },
    recheck() {
      if (!nc || !handles || stopped) return;
      handles = undefined;
      void prepare(nc);
    },
    async stop() {
      stopped = true;
      wakeWaiters();
      handles = undefined;
      if (nc && !nc.isClosed()) await nc.drain().catch(() => nc?.close());
    },
  };
}

export function authenticatorFor(s: Pick<NatsSettings, 'credsFile' | 'nkeySeed'>): Authenticator | undefined {
  if (s.credsFile) return credsAuthenticator(readFileSync(s.credsFile));
  if (s.nkeySeed) {
    const seed = existsSync(s.nkeySeed) ? readFileSync(s.nkeySeed, 'utf8').trim() : s.nkeySeed;
    return nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
