// The real program as a process: SIGKILL at any moment loses no acknowledged write and doubles no
// event; SIGTERM drains and flushes; bad config stops it with one line per variable; npm start's
// local nats-server.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { portAnswers } from '../../src/nats/localServer.js';
import { type TestNats, freePort, startTestNats } from '../support/nats.js';
import { type Acknowledged, driveLoad, expectExactlyOnce, streamWithEveryWrite } from '../support/load.js';
import { spawnService, tempDataDir } from '../support/service.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { readStream, waitFor } from '../support/stream.js';

// A server per test: two streams on one server may not capture the same subjects.
let nats: TestNats;
beforeEach(async () => {
  nats = await startTestNats();
});
afterEach(async () => {
  await nats?.stop();
});

describe.runIf(process.env.NATS_URL === undefined).each(await storeFlavours())('the service as a process on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let store: TestStore;
  beforeEach(async () => {
    store = await flavour.fresh();
  });
  afterEach(async () => {
    await store?.dispose();
  });

  it('loses no acknowledged write and publishes no event twice across repeated SIGKILLs', async () => {
    const dataDir = tempDataDir();
    const env = { ...store.env, DATA_DIR: dataDir, NATS_URL: nats.url, STREAM_NAME: 'CRASH_EVENTS' };
    const acked: Acknowledged = { created: [], patched: new Map() };
    const ROUNDS = 4;
    const CREATES_PER_ROUND = 15;
    for (let round = 0; round < ROUNDS; round++) {
      const svc = await spawnService(env);
      const load = driveLoad([svc]);
      // Killed mid-load once this round's writes are under way, however slowly the machine takes
      // them (a count reached, not a time spent), and then at a random moment of the load.
      await waitFor(async () => load.acked.created.length >= CREATES_PER_ROUND, `${CREATES_PER_ROUND} acknowledged creates in round ${round + 1}`, 60_000);
      const more = load.acked.created.length + 1 + Math.floor(Math.random() * CREATES_PER_ROUND);
      await waitFor(async () => load.acked.created.length >= more, `${more} acknowledged creates in round ${round + 1}`, 60_000);
      await svc.kill();
      await load.stop();
      acked.created.push(...load.acked.created);
      for (const [k, v] of load.acked.patched) acked.patched.set(k, v);
    }
    expect(acked.created.length).toBeGreaterThanOrEqual(ROUNDS * CREATES_PER_ROUND);
    const svc = await spawnService(env);
    const events = await streamWithEveryWrite(nats.url, 'CRASH_EVENTS', acked, 120_000);
    await svc.stop();
    expectExactlyOnce(events, acked);
  }, 600_000);

  it('on SIGTERM finishes in-flight requests, flushes the relay and exits 0', async () => {
    const svc = await spawnService({ ...store.env, NATS_URL: nats.url, STREAM_NAME: 'TERM_EVENTS' });
    const load = driveLoad([svc]);
    // Terminated mid-load: once writes are being acknowledged, however long that takes.
    await waitFor(async () => load.acked.created.length >= 10, '10 acknowledged creates', 60_000);
    const exit = new Promise<number | null>((resolve) => svc.child.once('exit', (code) => resolve(code)));
    svc.child.kill('SIGTERM');
    await load.done;
    expect(await exit).toBe(0);
    expect(load.acked.created.length).toBeGreaterThan(0);
    // No restart: what the process acknowledged is already in the stream.
    expectExactlyOnce(await readStream(nats.url, 'TERM_EVENTS', 60_000), load.acked);
  }, 180_000);
});

describe.runIf(process.env.NATS_URL === undefined)('the service as a process', () => {
  it('refuses to start on bad configuration, with one clear line per bad variable', async () => {
    const child = spawn(process.execPath, ['dist/bundle/main.js'], {
      env: { ...process.env, PORT: 'abc', STREAM_REPLICAS: '9', LOG_LEVEL: 'loud', DATA_DIR: tempDataDir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^config: PORT="abc": /);
    expect(stderr).toMatch(/^config: STREAM_REPLICAS="9": .*5/m);
    expect(stderr).toMatch(/^config: LOG_LEVEL="loud": /m);
  });

  it('starts its own nats-server when nothing answers at NATS_URL, and stops it on exit', async () => {
    const port = await freePort();
    const dataDir = tempDataDir();
    const svc = await spawnService({ DATA_DIR: dataDir, NATS_URL: `nats://127.0.0.1:${port}`, NATS_AUTOSTART: 'true' });
    await waitFor(async () => (await svc.call('/ready')).status === 200, 'ready with a local nats-server', 60_000);
    expect(existsSync(join(dataDir, 'nats', 'jetstream'))).toBe(true);
    await svc.stop();
    expect(await portAnswers('127.0.0.1', port)).toBe(false);
  }, 120_000);
});
