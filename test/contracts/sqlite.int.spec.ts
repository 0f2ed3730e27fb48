// The store contract against the SQLite adapter, on a real file in WAL mode.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { tempDataDir } from '../support/service.js';
import { storeContract } from './storeContract.js';

storeContract('SQLite', async () => {
  const dir = tempDataDir();
  const store = await openSqliteStore({ path: join(dir, 'contract.db') });
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
