// The SQLite WAL is checkpointed by a thread of its own: commits copy nothing into the database
// file themselves, the WAL starts over once copied, the thread comes and goes with the writes, and
// a closed store leaves no WAL behind.
import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/domain/decision.js';
import { createTicket } from '../../src/domain/ticketCommands.js';
import { startCheckpointer } from '../../src/store/sqlite/checkpointer.js';
import { type SqliteOptions, type SqliteStore, openSqliteStore } from '../../src/store/sqlite/index.js';
import { tempDataDir } from '../support/service.js';
import { waitFor } from '../support/stream.js';
import { viaCommands as via } from '../support/commands.js';

const ctx = (): CommandContext => ({
  tenant: 'acme',
  principal: { id: 'a', roles: ['agent'] },
  correlationId: 'c',
  now: new Date().toISOString(),
  newId: () => crypto.randomUUID(),
  severityKeywords: [],
});

const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/**
 * The WAL header's checkpoint sequence number (big-endian at byte 12), which SQLite bumps each time
 * the WAL starts over; undefined while there is no WAL or no header yet.
 */
function walGeneration(wal: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(wal, 'r');
    const header = Buffer.alloc(16);
    return readSync(fd, header, 0, 16, 0) === 16 ? header.readUInt32BE(12) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});
const tempPath = (file: string) => {
  const dir = tempDataDir();
  dirs.push(dir);
  return join(dir, file);
};

/** A store on a fresh file, closed after `run`. */
async function withStore(file: string, opts: Omit<SqliteOptions, 'path'>, run: (store: SqliteStore, path: string) => Promise<void>): Promise<void> {
  const path = tempPath(file);
  const store = await openSqliteStore({ path, ...opts });
  try {
    await run(store, path);
  } finally {
    await store.close();
  }
}

async function createTickets(store: SqliteStore, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      via(store).create('acme', () => createTicket({ title: `ticket ${i}`, createdBy: 'a', description: 'printer on fire' }, ctx())),
    ),
  );
}

describe('SQLite WAL checkpoints in a thread of their own', () => {
  it('copy committed pages into the database file after the commits, not inside them', async () => {
    await withStore('copied.db', { writer: 'inline', checkpointEveryMs: 20 }, async (store, path) => {
      const before = size(path);
      await createTickets(store, 200);
      await waitFor(async () => (store.checkpoints()?.runs ?? 0) > 0, 'a checkpoint');
      await waitFor(async () => {
        const stats = store.checkpoints()!;
        return stats.frames > 0 && stats.copied === stats.frames;
      }, 'every frame copied');
      expect(store.checkpoints()).toMatchObject({ failures: 0, threadUp: true });
      // 200 tickets with their events and indexes are far more than the schema the file held.
      expect(size(path)).toBeGreaterThan(before + 200 * 1024);
    });
  });

  it('let the WAL start over once copied, so steady writes do not grow it without bound', async () => {
    await withStore('steady.db', { writer: 'inline', checkpointEveryMs: 10 }, async (store, path) => {
      for (let round = 0; round < 25; round++) {
        await createTickets(store, 40);
        const runs = store.checkpoints()!.runs;
        await waitFor(async () => store.checkpoints()!.runs > runs && store.checkpoints()!.copied === store.checkpoints()!.frames, 'this round copied');
      }
      // Every page of the database file came through the WAL: a WAL that never started over would
      // be at least as large as the file. Started over, it holds a few rounds at most.
      expect(size(path)).toBeGreaterThan(1024 * 1024);
      expect(size(`${path}-wal`)).toBeLessThan(size(path) / 2);
    });
  }, 120_000);

  it("keep the WAL bounded when commits follow each other without a gap, through the commits' backstop", async () => {
    // The writer thread under a steady load: a checkpoint from the thread rarely ends between two
    // commits, the only moment the WAL can start over; past the backstop a commit copies what is left.
    await withStore('busy.db', { writer: 'thread', checkpointEveryMs: 10, checkpointBackstopPages: 256 }, async (store, path) => {
      const generations = new Set<number>();
      let walPeak = 0;
      let made = 0;
      const lane = async () => {
        while (made < 6000) {
          made++;
          await via(store).create('acme', () => createTicket({ title: `ticket ${made}`, createdBy: 'a', description: 'printer on fire' }, ctx()));
          const generation = walGeneration(`${path}-wal`);
          if (generation !== undefined) generations.add(generation);
          walPeak = Math.max(walPeak, size(`${path}-wal`));
        }
      };
      await Promise.all(Array.from({ length: 64 }, lane));
      expect(size(path)).toBeGreaterThan(8 * 1024 * 1024);
      // Every page of the file came through the WAL. A WAL that never started over while the commits
      // kept coming would be one generation holding them all; it started over instead. How large it
      // got in between is how much a machine commits while a checkpoint waits for its fsync, a
      // matter of speed (on saturated cores it passed the file's size), so the bound is loose:
      // never three times the file (without the backstop it grew to several times that). 256 pages
      // are 1 MB: on an idle machine it starts over near there, and is cut back to 2 MB when larger.
      expect(generations.size).toBeGreaterThan(1);
      expect(walPeak).toBeLessThan(3 * size(path));
      expect(store.checkpoints()!.runs).toBeGreaterThan(0);
    });
  }, 120_000);

  it('are left to the commits with SQLITE_CHECKPOINT_MS=0', async () => {
    await withStore('inside.db', { writer: 'inline', checkpointEveryMs: 0 }, async (store, path) => {
      for (let round = 0; round < 20; round++) await createTickets(store, 100);
      expect(store.checkpoints()).toBeUndefined();
      // SQLite's own: past 1,000 WAL pages a commit copies them into the file.
      expect(size(path)).toBeGreaterThan(1024 * 1024);
    });
  }, 120_000);

  it('leave no WAL behind once the store is closed', async () => {
    const path = tempPath('closed.db');
    const store = await openSqliteStore({ path, checkpointEveryMs: 10 });
    await createTickets(store, 50);
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = await openSqliteStore({ path, checkpointEveryMs: 10 });
    try {
      expect((await reopened.allTickets()).length).toBe(50);
    } finally {
      await reopened.close();
    }
  });
});

/** A WAL file written without SQLite's own checkpoints, and a checkpointer on it. */
function walFile(file: string, opts: { everyMs: number; idleMs?: number }) {
  const path = tempPath(file);
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (v TEXT)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const checkpointer = startCheckpointer({ thread: { path, synchronous: 'FULL', busyTimeoutMs: 1000 }, ...opts });
  return {
    checkpointer,
    write: (value = 'x'.repeat(2000)) => insert.run(value),
    async close() {
      await checkpointer.stop();
      db.close();
    },
  };
}

describe('the checkpoint thread', () => {
  it('starts with the first commit, ends after a quiet spell, and comes back with the next commit', async () => {
    const { checkpointer, write, close } = walFile('idle.db', { everyMs: 10, idleMs: 150 });
    try {
      expect(checkpointer.stats().threadUp).toBe(false);
      write();
      checkpointer.committed();
      await checkpointer.settled();
      expect(checkpointer.stats()).toMatchObject({ runs: 1, failures: 0, threadUp: true });
      expect(checkpointer.stats().copied).toBe(checkpointer.stats().frames);

      await waitFor(async () => !checkpointer.stats().threadUp, 'the thread gone after the quiet spell');

      write();
      checkpointer.committed();
      await checkpointer.settled();
      expect(checkpointer.stats()).toMatchObject({ runs: 2, failures: 0, threadUp: true });
    } finally {
      await close();
    }
    expect(checkpointer.stats().threadUp).toBe(false);
  });

  it('runs at most once per interval however many commits come, and once more after the last', async () => {
    const { checkpointer, write, close } = walFile('cadence.db', { everyMs: 200 });
    try {
      const started = performance.now();
      for (let i = 0; i < 50; i++) {
        write(String(i));
        checkpointer.committed();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await checkpointer.settled();
      const elapsed = performance.now() - started;
      const { runs, copied, frames } = checkpointer.stats();
      expect(runs).toBeGreaterThanOrEqual(2);
      expect(runs).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 1);
      // The last commit came after the last checkpoint had started: a trailing one copied it.
      expect(copied).toBe(frames);
    } finally {
      await close();
    }
  });
});
