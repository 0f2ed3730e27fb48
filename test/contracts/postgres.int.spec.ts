// The store contract against the PostgreSQL adapter, each test on a fresh database; and what only
// a shared server brings: replicas racing on one ticket, one external id, one idempotency key.
import { describe, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { createTestDatabase, postgresUnavailable } from '../support/postgres.js';
import { storeContract } from './storeContract.js';

const unavailable = await postgresUnavailable();

if (unavailable) {
  describe('PostgreSQL store contract', () => {
    it.skip(`skipped: ${unavailable}`, () => undefined);
  });
} else {
  storeContract('PostgreSQL', async () => {
    const database = await createTestDatabase();
    const store = await openPostgresStore({ url: database.url, poolSize: 8 });
    return {
      store,
      async dispose() {
        await store.close();
        await database.drop();
      },
    };
  });
}
