// Opens the store the configuration names: PostgreSQL when DATABASE_URL is set (many replicas),
// otherwise the SQLite file at DB_PATH (one relay per file). The service and the CLI share it.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ConsumerStore } from './consumerPort.js';
import type { TicketStore } from './port.js';
import type { CheckpointStats } from './sqlite/checkpointer.js';
import type { Writer } from './sqlite/writer.js';

/**
 * The ticket store and, on the same database, the consumers' store; SQLite also tells what its
 * checkpoint thread does, and hands out its writer (or writes through `sharedWriter`, an API
 * worker's primary's).
 */
export async function openStore(
  config: Config,
  log: Logger,
  { sharedWriter }: { sharedWriter?: Writer | undefined } = {},
): Promise<TicketStore & { consumers: ConsumerStore; checkpoints?: () => CheckpointStats | undefined; writer?: Writer }> {
  // Each adapter loads only when chosen: a SQLite process carries no PostgreSQL driver, and back.
  if (config.databaseUrl) {
    const { openPostgresStore } = await import('./postgres/index.js');
    return openPostgresStore({ url: config.databaseUrl, applicationName: config.serviceName, poolSize: config.databasePoolSize, log });
  }
  const { openSqliteStore } = await import('./sqlite/index.js');
  return openSqliteStore({
    path: config.dbPath,
    synchronous: config.sqliteSynchronous,
    busyTimeoutMs: config.sqliteBusyTimeoutMs,
    writer: config.sqliteWriter,
    cachedTickets: config.ticketCacheSize,
    checkpointEveryMs: config.sqliteCheckpointMs,
    ...(sharedWriter ? { sharedWriter } : {}),
    onCheckpointFailure: (error) =>
      log.warn({ operation: 'sqlite_checkpoint', error }, 'WAL checkpoint failed; commits checkpoint by themselves past the backstop'),
  });
}
