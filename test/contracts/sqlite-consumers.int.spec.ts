// The consumer store contract against the SQLite adapter, on a real file beside the ticket store.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { tempDataDir } from '../support/service.js';
import { consumerStoreContract } from './consumerStoreContract.js';

consumerStoreContract('SQLite', async () => {
  const dir = tempDataDir();
  const store = await openSqliteStore({ path: join(dir, 'consumers.db') });
  return {
    store: store.consumers,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
