// `ticket-svc replay` end to end: tickets written through HTTP, the table wrecked, the CLI
// rebuilds it from the events table to exactly what it was.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { type TestNats, startTestNats } from '../support/nats.js';
import { startService, tempDataDir } from '../support/service.js';

let nats: TestNats;
const dataDir = tempDataDir();
const dbPath = join(dataDir, 'ticket-svc.db');

beforeAll(async () => {
  nats = await startTestNats();
});
afterAll(async () => {
  await nats?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const snapshot = async () => {
  const store = await openSqliteStore({ path: dbPath });
  try {
    return await store.allTickets();
  } finally {
    await store.close();
  }
};

describe('ticket-svc replay', () => {
  it('rebuilds a wrecked tickets table from the events table, exactly', async () => {
    const svc = await startService({ NATS_URL: nats.url, STREAM_NAME: 'REPLAY_CLI', DATA_DIR: dataDir });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await svc.call('/api/v1/tickets', {
        method: 'POST',
        json: { title: `t${i}`, created_by: 'bob', tags: [`n${i}`] },
        tenant: i % 2 ? 'acme' : 'globex',
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    for (const [i, id] of ids.entries()) {
      const tenant = i % 2 ? 'acme' : 'globex';
      if (i % 3 === 0) await svc.call(`/api/v1/tickets/${id}/transitions/assign`, { method: 'POST', tenant, json: { assignee: 'dana' } });
      if (i % 4 === 0) await svc.call(`/api/v1/tickets/${id}`, { method: 'PATCH', tenant, json: { priority: 'high', description: 'major outage' } });
      if (i % 5 === 0) await svc.call(`/api/v1/tickets/${id}`, { method: 'DELETE', tenant });
    }
    await svc.stop();
    const before = await snapshot();
    expect(before).toHaveLength(16);

    const db = new BetterSqlite3(dbPath);
    db.exec("UPDATE tickets SET title = 'wrecked', version = 99; DELETE FROM tickets WHERE id IN (SELECT id FROM tickets ORDER BY id LIMIT 5)");
    db.close();
    expect(await snapshot()).not.toEqual(before);

    const { stdout } = await promisify(execFile)(process.execPath, ['dist/src/cli.js', 'replay'], {
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    });
    expect(stdout).toMatch(/^replay: rebuilt 16 tickets from \d+ events in \d+ ms\n$/);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an unknown command with its usage', async () => {
    const failed = await promisify(execFile)(process.execPath, ['dist/src/cli.js', 'rewind']).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command rewind') });
    expect(failed.stderr).toContain('usage: ticket-svc <command>');
  });

  it('documents every command and its options on --help, on standard output, with exit code 0', async () => {
    const run = (...args: string[]) => promisify(execFile)(process.execPath, ['dist/src/cli.js', ...args]);
    const top = await run('--help');
    for (const command of ['replay', 'token', 'dlq']) expect(top.stdout).toContain(command);
    expect((await run('token', '--help')).stdout).toMatch(/--tenant[\s\S]*--sub[\s\S]*--roles[\s\S]*--ttl/);
    expect((await run('dlq', '--help')).stdout).toMatch(/dlq list[\s\S]*dlq replay/);
    expect((await run('replay', '-h')).stdout).toContain('ticket-svc replay');
  });
});
