// A store that cannot take writes (SQLite locked by another process, PostgreSQL unreachable)
// answers 503 store_unavailable, writes nothing, and recovers without a restart.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type TestService, startService } from '../support/service.js';
import { type StoreFlavour, type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { type TcpProxy, startTcpProxy } from '../support/tcpProxy.js';

/** A way to take the store away from the service, and to give it back. */
type Outage = { env: Record<string, string>; begin(svc: TestService): Promise<void>; end(): Promise<void>; dispose(): Promise<void> };

const outages: Record<StoreFlavour['name'], (store: TestStore) => Promise<Outage>> = {
  // Another process holds SQLite's write lock past the busy timeout.
  async SQLite() {
    let other: BetterSqlite3.Database | undefined;
    return {
      env: { SQLITE_BUSY_TIMEOUT_MS: '50' },
      async begin(svc) {
        other = new BetterSqlite3(join(svc.dataDir, 'ticket-svc.db'));
        other.exec('BEGIN IMMEDIATE');
      },
      async end() {
        other?.exec('ROLLBACK');
      },
      async dispose() {
        other?.close();
      },
    };
  },
  // The service reaches PostgreSQL through a forwarder that refuses and drops connections.
  async PostgreSQL(store) {
    const url = new URL(store.env.DATABASE_URL!);
    const proxy: TcpProxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.host = `127.0.0.1:${proxy.port}`;
    return { env: { DATABASE_URL: url.toString() }, begin: proxy.cut, end: proxy.restore, dispose: proxy.stop };
  },
};

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let nats: TestNats;
  let store: TestStore;
  let outage: Outage;
  let svc: TestService;
  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    outage = await outages[flavour.name](store);
    svc = await startService({ ...store.env, ...outage.env, NATS_URL: nats.url, STREAM_NAME: 'UNAVAILABLE_EVENTS' });
  });
  afterAll(async () => {
    await svc?.stop();
    await outage?.dispose();
    await store?.dispose();
    await nats?.stop();
  });

  describe('a store that cannot take writes', () => {
    it('answers 503 store_unavailable with Retry-After, and 201 once the store is back', async () => {
      const post = () => svc.call('/api/v1/tickets', { method: 'POST', json: { title: 'blocked', created_by: 'ops' } });
      expect((await post()).status).toBe(201);
      await outage.begin(svc);
      try {
        const res = await post();
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(await res.json()).toMatchObject({ code: 'store_unavailable' });
      } finally {
        await outage.end();
      }
      expect((await post()).status).toBe(201);
      const list = (await (await svc.call('/api/v1/tickets')).json()) as { items: unknown[] };
      expect(list.items).toHaveLength(2);
    });
  });
});
