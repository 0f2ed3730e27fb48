// Load for the process tests, and the check that what the service acknowledged reached the stream
// exactly once, each ticket's events in version order.
import { expect } from 'vitest';
import type { TestService } from './service.js';
import type { PublishedEvent } from './stream.js';

export type Acknowledged = { created: string[]; patched: Map<string, number> };

/**
 * Concurrent clients creating and patching until stopped; returns what the services acknowledged.
 * With several services (replicas on one store) a ticket is created through one and patched
 * through the next.
 */
export function driveLoad(services: TestService[], clients = 8) {
  const acked: Acknowledged = { created: [], patched: new Map() };
  let running = true;
  const client = async (n: number) => {
    for (let i = 0; running; i++) {
      const creator = services[(n + i) % services.length]!;
      const patcher = services[(n + i + 1) % services.length]!;
      try {
        const res = await creator.call('/api/v1/tickets', { method: 'POST', json: { title: `load ${n}-${i}`, created_by: 'load', description: i % 7 === 0 ? 'major' : 'minor' } });
        if (res.status !== 201) continue;
        const { id } = (await res.json()) as { id: string };
        acked.created.push(id);
        if (i % 3 === 0) {
          const p = await patcher.call(`/api/v1/tickets/${id}`, { method: 'PATCH', json: { priority: 'high' } });
          if (p.status === 200) acked.patched.set(id, ((await p.json()) as { version: number }).version);
        }
      } catch {
        if (services.length === 1) return; // the process is gone
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
