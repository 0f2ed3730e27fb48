// Load for the process tests, and the check that what the service acknowledged reached the stream
// exactly once, each ticket's events in version order.
import { expect } from 'vitest';
import type { TestService } from './service.js';
import { type PublishedEvent, readStream, waitFor } from './stream.js';

export type Acknowledged = { created: string[]; patched: Map<string, number> };

/**
 * Concurrent clients creating and patching until stopped; returns what the services acknowledged.
 * With several services (replicas on one store) a ticket is created through one and patched
 * through the next. A request that fails takes its service out of the load, unless `survives`:
 * then the service is still there (one of its API workers died) and the client goes on. Such a
 * client gives up on a request after a while: a connection the cluster hands to a worker in the
 * instant it dies is never answered.
 */
export function driveLoad(services: TestService[], clients = 8, { survives = false } = {}) {
  const acked: Acknowledged = { created: [], patched: new Map() };
  let alive = [...services];
  let running = true;
  const patience = () => (survives ? { signal: AbortSignal.timeout(20_000) } : {});
  const client = async (n: number) => {
    for (let i = 0; running && alive.length > 0; i++) {
      const creator = alive[(n + i) % alive.length]!;
      const patcher = alive[(n + i + 1) % alive.length]!;
      let current = creator;
      try {
        const res = await creator.call('/api/v1/tickets', {
          method: 'POST',
          ...patience(),
          json: { title: `load ${n}-${i}`, created_by: 'load', description: i % 7 === 0 ? 'major' : 'minor' },
        });
        if (res.status !== 201) continue;
        const { id } = (await res.json()) as { id: string };
        acked.created.push(id);
        if (i % 3 === 0) {
          current = patcher;
          const p = await patcher.call(`/api/v1/tickets/${id}`, { method: 'PATCH', ...patience(), json: { priority: 'high' } });
          if (p.status === 200) acked.patched.set(id, ((await p.json()) as { version: number }).version);
        }
      } catch {
        if (!survives) alive = alive.filter((s) => s !== current); // that process is gone; the others carry on
      }
    }
  };
  const done = Promise.all(Array.from({ length: clients }, (_, n) => client(n)));
  return {
    acked,
    done,
    async stop() {
      running = false;
      await done;
    },
  };
}

/** A gauge or counter from the service's /metrics, summed over its labels (0 before any is recorded). */
export async function metricOf(svc: TestService, name: string): Promise<number> {
  const text = await (await svc.call('/metrics')).text();
  const series = text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'));
  return [...series].reduce((sum, m) => sum + Number(m[1]), 0);
}

export function expectExactlyOnce(events: PublishedEvent[], acked: Acknowledged): void {
  const eventIds = events.map((e) => e.event.meta!.eventId);
  expect(new Set(eventIds).size, 'no event published twice').toBe(eventIds.length);
  const created = new Map<string, number>();
  const updated = new Map<string, number>();
  const lastVersion = new Map<string, bigint>();
  for (const e of events) {
    const id = e.event.data?.id;
    if (!id) continue;
    const v = e.event.data!.version;
    const action = e.event.meta?.action;
    if (action === 'created') created.set(id, (created.get(id) ?? 0) + 1);
    if (action === 'updated') updated.set(`${id}@${v}`, (updated.get(`${id}@${v}`) ?? 0) + 1);
    expect(v >= (lastVersion.get(id) ?? 0n), `ticket ${id} events in version order`).toBe(true);
    lastVersion.set(id, v);
  }
  for (const id of acked.created) expect(created.get(id), `acknowledged ticket ${id} has one created event`).toBe(1);
  for (const [id, version] of acked.patched) expect(updated.get(`${id}@${version}`), `acknowledged patch ${id}@${version} has one updated event`).toBe(1);
}

/**
 * Waits until the stream holds an event for every acknowledged write (a relay may still be catching
 * up, or taking over), and returns the whole stream; exactly-once is for expectExactlyOnce to judge.
 */
export function streamWithEveryWrite(url: string, stream: string, acked: Acknowledged, timeoutMs = 60_000): Promise<PublishedEvent[]> {
  return waitFor(
    async () => {
      const events = await readStream(url, stream);
      const created = new Set<string>();
      const updated = new Set<string>();
      for (const e of events) {
        if (e.event.meta?.action === 'created') created.add(e.event.data!.id);
        if (e.event.meta?.action === 'updated') updated.add(`${e.event.data!.id}@${e.event.data!.version}`);
      }
      const complete = acked.created.every((id) => created.has(id)) && [...acked.patched].every(([id, v]) => updated.has(`${id}@${v}`));
      return complete ? events : undefined;
    },
    'an event for every acknowledged write',
    timeoutMs,
  );
}
