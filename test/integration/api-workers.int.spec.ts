// API workers (API_WORKERS > 1): several processes serve HTTP over one store, and every guarantee
// holds as with one: nothing acknowledged is lost and no event is doubled when a worker or the
// whole group is SIGKILLed, SIGTERM drains every worker, idempotency keys and If-Match hold across
// workers, and /metrics and /ready speak for the whole group.
import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Acknowledged, driveLoad, expectExactlyOnce, metricOf, streamWithEveryWrite } from '../support/load.js';
import { type TestNats, startTestNats } from '../support/nats.js';
import { onNewConnection } from '../support/rawHttp.js';
import { type ServiceProcess, spawnService, tempDataDir } from '../support/service.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { readStream, waitFor } from '../support/stream.js';

const WORKERS = 2;

/** The processes the service forked (its API workers): those whose parent it is, from each /proc stat file. */
function workerPids(pid: number): number[] {
  return readdirSync('/proc').flatMap((name) => {
    if (!/^\d+$/.test(name)) return [];
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      // The fields after the command name (which may hold spaces and parentheses): state, then the parent pid.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return parent === pid ? [Number(name)] : [];
    } catch {
      return []; // the process ended meanwhile
    }
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.runIf(process.env.NATS_URL === undefined).each(await storeFlavours())('API workers on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let nats: TestNats;
  let store: TestStore;
  const running: ServiceProcess[] = [];
  beforeEach(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
    await store?.dispose();
    await nats?.stop();
  });
  const spawn = async (env: Record<string, string>) => {
    const svc = await spawnService({ ...store.env, NATS_URL: nats.url, API_WORKERS: String(WORKERS), ...env });
    running.push(svc);
    // Ready: every worker answers and the stream is there.
    await waitFor(async () => (await svc.call('/ready')).status === 200, 'every worker ready', 60_000);
    return svc;
  };

  it('forks the workers and answers /ready and /metrics for the whole group', async () => {
    const svc = await spawn({ STREAM_NAME: 'WORKER_EVENTS' });
    expect(workerPids(svc.child.pid!)).toHaveLength(WORKERS);
    const ready = (await (await svc.call('/ready')).json()) as { checks: Record<string, string> };
    expect(ready.checks).toMatchObject({ store: 'ok', nats: 'ok', workers: `${WORKERS}/${WORKERS} ready` });

    const CREATES = 20;
    for (let i = 0; i < CREATES; i++) {
      const res = await onNewConnection(svc.url, '/api/v1/tickets', { method: 'POST', headers: {}, body: { title: `spread ${i}`, created_by: 'w' } });
      expect(res.status).toBe(201);
    }
    // Counted in whichever worker answered, summed over the group.
    const metrics = await (await svc.call('/metrics')).text();
    const counted = /^http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/tickets",status="201"[^}]*\} (\d+)$/m.exec(metrics);
    expect(Number(counted?.[1])).toBe(CREATES);
    // The relay runs once, in the primary: each event is published once.
    await waitFor(async () => (await metricOf(svc, 'events_published_total')) >= CREATES, 'every event published');
    const events = await readStream(nats.url, 'WORKER_EVENTS');
    expect(events.filter((e) => e.event.meta?.action === 'created')).toHaveLength(CREATES);
  }, 120_000);

  it('holds Idempotency-Key and If-Match across workers', async () => {
    const svc = await spawn({ STREAM_NAME: 'WORKER_GUARDS' });
    const create = () =>
      onNewConnection(svc.url, '/api/v1/tickets', { method: 'POST', headers: { 'Idempotency-Key': 'once-only' }, body: { title: 'Once', created_by: 'w' } });
    const answers = await Promise.all(Array.from({ length: 8 }, create));
    expect(answers.map((a) => a.status).every((s) => s === 201)).toBe(true);
    expect(new Set(answers.map((a) => (JSON.parse(a.body) as { id: string }).id)).size).toBe(1);
    const id = (JSON.parse(answers[0]!.body) as { id: string }).id;

    const patches = await Promise.all(
      ['high', 'low', 'critical', 'medium'].map((priority) =>
        onNewConnection(svc.url, `/api/v1/tickets/${id}`, { method: 'PATCH', headers: { 'If-Match': '"1"' }, body: { priority } }),
      ),
    );
    expect(patches.map((p) => p.status).sort()).toEqual([200, 412, 412, 412]);
    const ticket = await onNewConnection(svc.url, `/api/v1/tickets/${id}`, { method: 'GET', headers: {} });
    expect((JSON.parse(ticket.body) as { version: number }).version).toBe(2);
  }, 120_000);

  it('replaces a SIGKILLed worker and loses no acknowledged write, doubling no event', async () => {
    const svc = await spawn({ STREAM_NAME: 'WORKER_KILL' });
    const load = driveLoad([svc], 12, { survives: true });
    await waitFor(async () => load.acked.created.length >= 20, '20 acknowledged creates', 60_000);
    const [victim] = workerPids(svc.child.pid!);
    process.kill(victim!, 'SIGKILL');
    await waitFor(async () => !alive(victim!), 'the worker gone');
    const more = load.acked.created.length + 20;
    await waitFor(async () => load.acked.created.length >= more, 'writes going on after the kill', 60_000);
    await waitFor(async () => workerPids(svc.child.pid!).length === WORKERS, 'a new worker in its place', 60_000);
    await load.stop();
    expectExactlyOnce(await streamWithEveryWrite(nats.url, 'WORKER_KILL', load.acked), load.acked);
  }, 180_000);

  it('loses no acknowledged write and doubles no event when the whole group is SIGKILLed, again and again', async () => {
    const env = { DATA_DIR: tempDataDir(), STREAM_NAME: 'WORKER_GROUP_KILL' };
    const acked: Acknowledged = { created: [], patched: new Map() };
    for (let round = 0; round < 3; round++) {
      const svc = await spawn(env);
      const load = driveLoad([svc], 12);
      await waitFor(async () => load.acked.created.length >= 15, `15 acknowledged creates in round ${round + 1}`, 60_000);
      const workers = workerPids(svc.child.pid!);
      // Every process of the group at once, as a machine that loses power would.
      for (const pid of [svc.child.pid!, ...workers]) process.kill(pid, 'SIGKILL');
      await svc.kill();
      running.splice(running.indexOf(svc), 1);
      await load.stop();
      await waitFor(async () => workers.every((pid) => !alive(pid)), 'every worker gone');
      acked.created.push(...load.acked.created);
      for (const [k, v] of load.acked.patched) acked.patched.set(k, v);
    }
    await spawn(env);
    expectExactlyOnce(await streamWithEveryWrite(nats.url, 'WORKER_GROUP_KILL', acked, 120_000), acked);
  }, 400_000);

  it('stops its workers when the primary is SIGKILLed alone', async () => {
    const svc = await spawn({ STREAM_NAME: 'WORKER_ORPHANS' });
    const workers = workerPids(svc.child.pid!);
    expect(workers).toHaveLength(WORKERS);
    await svc.kill();
    running.splice(running.indexOf(svc), 1);
    await waitFor(async () => workers.every((pid) => !alive(pid)), 'the workers gone with their primary', 30_000);
  }, 120_000);

  it('on SIGTERM drains every worker, flushes the relay and exits 0', async () => {
    const svc = await spawn({ STREAM_NAME: 'WORKER_TERM' });
    const workers = workerPids(svc.child.pid!);
    const load = driveLoad([svc], 12);
    await waitFor(async () => load.acked.created.length >= 10, '10 acknowledged creates', 60_000);
    const exit = new Promise<number | null>((resolve) => svc.child.once('exit', (code) => resolve(code)));
    svc.child.kill('SIGTERM');
    await load.done;
    expect(await exit).toBe(0);
    running.splice(running.indexOf(svc), 1);
    expect(workers.every((pid) => !alive(pid))).toBe(true);
    expectExactlyOnce(await readStream(nats.url, 'WORKER_TERM', 60_000), load.acked);
  }, 180_000);
});
