// The store contract against the SQLite adapter, on a real file in WAL mode.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createTicket } from '../../src/domain/ticket.js';
import { StoreUnavailableError } from '../../src/store/port.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { tempDataDir } from '../support/service.js';
import { replayContract } from './replayContract.js';
import { storeContract } from './storeContract.js';

async function openTempStore() {
  const dir = tempDataDir();
  const store = await openSqliteStore({ path: join(dir, 'contract.db') });
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

storeContract('SQLite', openTempStore);
replayContract('SQLite', openTempStore);

describe('SQLite held by another process', () => {
  it('fails the whole batch as unavailable at once, and commits again once the lock is gone', async () => {
    const dir = tempDataDir();
    const path = join(dir, 'locked.db');
    const store = await openSqliteStore({ path, busyTimeoutMs: 50 });
    const other = new BetterSqlite3(path);
    const ctx = { tenant: 'acme', principal: { id: 'a', roles: ['agent' as const] }, correlationId: 'c', now: '2026-01-01T00:00:00.000Z', newId: () => crypto.randomUUID(), severityKeywords: [] };
    const create = () => store.create('acme', () => createTicket({ title: 't', createdBy: 'a' }, ctx));
    try {
      other.exec('BEGIN IMMEDIATE');
      const outcomes = await Promise.allSettled([create(), create(), create()]);
      for (const o of outcomes) expect(o.status === 'rejected' && o.reason).toBeInstanceOf(StoreUnavailableError);
      other.exec('ROLLBACK');
      expect(await create()).toMatchObject({ kind: 'created' });
      expect(await store.backlog()).toBe(1);
    } finally {
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
