// The store contract against the PostgreSQL adapter, each test on a fresh database; and what only a
// server shared by replicas brings: wake-ups across processes, one relay leader, outages.
import { NO_SLA } from '../support/tickets.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTicket } from '../../src/domain/ticketCommands.js';
import type { RelayLeadership } from '../../src/events/leadership.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { startAdvisoryLeadership } from '../../src/store/postgres/leadership.js';
import { StoreUnavailableError, type TicketStore } from '../../src/store/port.js';
import { type TestDatabase, createTestDatabase, postgresUnavailable } from '../support/postgres.js';
import { waitFor } from '../support/stream.js';
import { startTcpProxy } from '../support/tcpProxy.js';
import { consumerStoreContract } from './consumerStoreContract.js';
import { replayContract } from './replayContract.js';
import { storeContract } from './storeContract.js';
import { viaCommands as via } from '../support/commands.js';

const unavailable = await postgresUnavailable();
const ctx = {
  tenant: 'acme',
  principal: { id: 'a', roles: ['agent' as const] },
  correlationId: 'c',
  now: '2026-01-01T00:00:00.000Z',
  newId: () => crypto.randomUUID(),
  severityKeywords: [],
  sla: NO_SLA,
};
const createIn = (store: TicketStore) => via(store).create('acme', () => createTicket({ title: 't', createdBy: 'a' }, ctx));

if (unavailable) {
  describe('PostgreSQL store', () => {
    it.skip(`PostgreSQL tests skipped: ${unavailable}`, () => undefined);
  });
} else {
  const openFresh = async () => {
    const database = await createTestDatabase();
    const store = await openPostgresStore({ url: database.url, poolSize: 8 });
    return {
      store,
      async dispose() {
        await store.close();
        await database.drop();
      },
    };
  };
  storeContract('PostgreSQL', openFresh);
  consumerStoreContract('PostgreSQL', async () => {
    const { store, dispose } = await openFresh();
    return { store: store.consumers, dispose };
  });
  // One run: every step is a round trip to the server, and one run is already thousands of steps.
  replayContract('PostgreSQL', openFresh, { runs: 1 });

  describe('PostgreSQL shared by replicas', () => {
    let database: TestDatabase;
    const closers: Array<{ close?(): Promise<void>; stop?(): Promise<void> }> = [];
    beforeEach(async () => {
      database = await createTestDatabase();
    });
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await (c.close ?? c.stop)!.call(c);
      await database.drop();
    });
    const open = async (url = database.url) => {
      const store = await openPostgresStore({ url, poolSize: 4 });
      closers.push(store);
      return store;
    };
    const lead = (name: string, events: string[]) => {
      const leadership = startAdvisoryLeadership({ url: database.url, retryMs: 100, onChange: (held) => events.push(`${name} ${held ? 'leads' : 'follows'}`) });
      closers.push(leadership);
      return leadership;
    };

    it("wakes a relay's listener in another replica when a commit adds events", async () => {
      const writer = await open();
      const relaySide = await open();
      let wakes = 0;
      relaySide.onEventsCommitted(() => wakes++);
      await waitFor(async () => wakes > 0, 'the listener connected', 60_000); // it reports once on connecting
      const before = wakes;
      await createIn(writer);
      await waitFor(async () => wakes > before, 'a wake-up from the other replica', 60_000);
    }, 120_000);

    it('lets one relay lead at a time, and another take over when the leader lets go', async () => {
      const events: string[] = [];
      const a = lead('a', events);
      await a.acquired();
      const b = lead('b', events);
      await new Promise((r) => setTimeout(r, 500)); // b tries the lock several times meanwhile
      expect([a.held(), b.held()]).toEqual([true, false]);
      await a.stop();
      await b.acquired();
      expect([a.held(), b.held()]).toEqual([false, true]);
      expect(events).toEqual(['a leads', 'a follows', 'b leads']);
    }, 120_000);

    it('ends leadership when the leader loses its connection, and a follower takes over', async () => {
      const proxy = await startTcpProxy({ host: new URL(database.url).hostname, port: Number(new URL(database.url).port || 5432) });
      closers.push(proxy);
      const viaProxy = new URL(database.url);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      const a: RelayLeadership = startAdvisoryLeadership({ url: viaProxy.toString(), retryMs: 100 });
      closers.push(a);
      await a.acquired();
      const b = lead('b', []);
      await proxy.cut();
      await b.acquired();
      expect(a.held()).toBe(false);
    }, 120_000);

    it('answers StoreUnavailableError while the server is unreachable, and works again once it is back', async () => {
      const proxy = await startTcpProxy({ host: new URL(database.url).hostname, port: Number(new URL(database.url).port || 5432) });
      closers.push(proxy);
      const viaProxy = new URL(database.url);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      await proxy.cut();
      // Down at start: opening does not fail, commands do.
      const store = await open(viaProxy.toString());
      await expect(createIn(store)).rejects.toBeInstanceOf(StoreUnavailableError);
      await proxy.restore();
      expect(await createIn(store)).toMatchObject({ kind: 'created' });
      await proxy.cut(); // pooled connections break under it
      await expect(createIn(store)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await proxy.restore();
      await waitFor(async () => (await createIn(store)) && true, 'a create after the outage', 60_000);
      expect(await store.backlog()).toBe(2);
    }, 120_000);
  });
}
