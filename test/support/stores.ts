// The stores every integration test runs against: SQLite (a file in the service's DATA_DIR) and
// PostgreSQL (a fresh database per use, see ./postgres.ts). Where no PostgreSQL answers, its
// flavour carries the reason and the tests skip with it.
import { it } from 'vitest';
import { createTestDatabase, postgresUnavailable } from './postgres.js';

/** A fresh, empty store: the environment that points a service (or several replicas) at it. */
export type TestStore = { env: Record<string, string>; dispose(): Promise<void> };

export type StoreFlavour = {
  name: 'SQLite' | 'PostgreSQL';
  /** Why this flavour cannot run here; undefined when it can. */
  skip: string | undefined;
  fresh(): Promise<TestStore>;
};

export async function storeFlavours(): Promise<StoreFlavour[]> {
  return [
    { name: 'SQLite', skip: undefined, fresh: async () => ({ env: {}, dispose: async () => undefined }) },
    {
      name: 'PostgreSQL',
      skip: await postgresUnavailable(),
      async fresh() {
        const database = await createTestDatabase();
        return { env: { DATABASE_URL: database.url }, dispose: database.drop };
      },
    },
  ];
}

/** Flavours that need a shared server (replicas, relay takeover): PostgreSQL only. */
export async function sharedStoreFlavours(): Promise<StoreFlavour[]> {
  return (await storeFlavours()).filter((f) => f.name === 'PostgreSQL');
}

/** One clear line in the report for a flavour that cannot run here. */
export function skipFlavour(flavour: StoreFlavour): void {
  it.skip(`${flavour.name} tests skipped: ${flavour.skip}`, () => undefined);
}
