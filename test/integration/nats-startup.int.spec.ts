// SPEC §11, start-up: NATS never stops the service from starting. A nats-server that cannot be
// started is one logged line, and the API works without it; a fresh nats-server is set up by every
// component at once (streams, dead-letter stream, durables) without a warning.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startTestNats } from '../support/nats.js';
import { type ServiceProcess, spawnService } from '../support/service.js';
import { waitFor } from '../support/stream.js';

const started: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

const logLines = (svc: ServiceProcess) =>
  svc
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; operation?: string; msg: string; status?: number });

const notExecutable = join(mkdtempSync(join(tmpdir(), 'ticket-svc-nats-bin-')), 'nats-server');
writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });

describe.each([
  ['exits at once', '/bin/false'],
  ['cannot be run', notExecutable],
])('a nats-server that %s', (_, bin) => {
  it('is one logged line; the service serves writes without NATS and says it is not ready', async () => {
    const port = await freePort();
    const svc = await spawnService({ NATS_AUTOSTART: 'true', NATS_SERVER_BIN: bin, NATS_URL: `nats://127.0.0.1:${port}`, LOG_LEVEL: 'warn' });
    started.push(svc);
    const created = await svc.call('/api/v1/tickets', { method: 'POST', json: { title: 'written without NATS', created_by: 'bob' } });
    expect(created.status).toBe(201);
    expect((await fetch(`${svc.url}/ready`)).status).toBe(503);
    expect(svc.child.exitCode).toBeNull();
    const natsLines = logLines(svc).filter((l) => l.operation === 'nats' && l.level >= 50);
    expect(natsLines).toHaveLength(1);
    expect(natsLines[0]!.msg).toMatch(/could not start a local nats-server/);
    // One JSON line each: no stack of the bundle's source on stderr.
    expect(
      svc
        .output()
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.startsWith('{')),
    ).toEqual([]);
  });
});

describe('a fresh nats-server', () => {
  it('is set up by every component at once without a warning', async () => {
    const nats = await startTestNats();
    try {
      const svc = await spawnService({ NATS_URL: nats.url, LOG_LEVEL: 'warn' });
      started.push(svc);
      await waitFor(async () => (await fetch(`${svc.url}/ready`)).ok, 'ready');
      // A write goes through every consumer: each has set up its durables and dead-letter subjects by then.
      const created = await svc.call('/api/v1/tickets', { method: 'POST', json: { title: 'first', created_by: 'bob' } });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      await waitFor(async () => {
        const audit = await svc.call(`/api/v1/audit?ticket_id=${id}`, { headers: { 'X-User-Roles': 'admin' } });
        return audit.ok && ((await audit.json()) as { items: unknown[] }).items.length > 0;
      }, 'the audit consumer at work');
      // Access-log lines aside (a 503 from /ready while starting is an answer, not a warning).
      expect(logLines(svc).filter((l) => l.level >= 40 && l.status === undefined)).toEqual([]);
      // Every consumer's dead-letter subjects, whichever of them set the stream up last.
      const nc = await connect({ servers: nats.url });
      try {
        const { config } = await (await jetstreamManager(nc)).streams.info('TICKET_DLQ');
        for (const consumer of ['audit', 'notify', 'github'])
          expect(config.subjects).toEqual(expect.arrayContaining([`dlq.${consumer}.>`, `redrive.${consumer}.>`]));
      } finally {
        await nc.close();
      }
    } finally {
      await nats.stop();
    }
  });
});
