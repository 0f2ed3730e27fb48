// Opens the store the configuration names. The API process and the CLI tools share it.
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';
import type { TicketStore } from './port.js';
import { openSqliteStore } from './sqlite/index.js';

export async function openStore(config: Config): Promise<TicketStore> {
  if (config.databaseUrl) {
    throw new ConfigError([
      'DATABASE_URL is set: the PostgreSQL store is not in this version yet; unset it to use SQLite (DB_PATH)',
    ]);
  }
  return openSqliteStore({ path: config.dbPath, synchronous: config.sqliteSynchronous, busyTimeoutMs: config.sqliteBusyTimeoutMs });
}
