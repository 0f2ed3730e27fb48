// Migrations on first use: run once when the database answers, tried again on the next use while it
// does not, so a PostgreSQL that is down at start delays the store instead of stopping the process.
import { type Kysely, Migrator } from 'kysely';
import type { Database } from '../schema.js';
import { postgresMigrations } from './migrations.js';

export type SchemaGate = { ready(): Promise<void> };

export function createSchemaGate(db: Kysely<Database>): SchemaGate {
  let migrated: Promise<void> | undefined;
  const migrate = async () => {
    // Kysely's migrator holds an advisory lock meanwhile: replicas starting together migrate once.
    const result = await new Migrator({ db, provider: { getMigrations: async () => postgresMigrations } }).migrateToLatest();
    if (result.error) throw result.error;
  };
  return {
    ready() {
      migrated ??= migrate().catch((error: unknown) => {
        migrated = undefined;
        throw error;
      });
      return migrated;
    },
  };
}
