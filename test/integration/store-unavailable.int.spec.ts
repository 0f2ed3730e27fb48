// A database locked by another process answers 503 store_unavailable, writes nothing, and recovers.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type TestService, startService } from '../support/service.js';

let nats: TestNats;
let svc: TestService;
beforeAll(async () => {
  nats = await startTestNats();
  svc = await startService({ NATS_URL: nats.url, STREAM_NAME: 'LOCKED_EVENTS', SQLITE_BUSY_TIMEOUT_MS: '50' });
});
afterAll(async () => {
  await svc?.stop();
  await nats?.stop();
});

describe('a database held by another process', () => {
  it('answers 503 store_unavailable with Retry-After, and 201 once the lock is released', async () => {
    const other = new BetterSqlite3(join(svc.dataDir, 'ticket-svc.db'));
    const post = () => svc.call('/api/v1/tickets', { method: 'POST', json: { title: 'blocked', created_by: 'ops' } });
    try {
      other.exec('BEGIN IMMEDIATE');
      const res = await post();
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toMatchObject({ code: 'store_unavailable' });
      other.exec('ROLLBACK');
      expect((await post()).status).toBe(201);
      const list = (await (await svc.call('/api/v1/tickets')).json()) as { items: unknown[] };
      expect(list.items).toHaveLength(1);
    } finally {
      other.close();
    }
  });
});
