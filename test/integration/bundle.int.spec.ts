// The bundle `npm start` runs (dist/bundle) loads what it loads on demand as tsc's output does: the
// SLA policy file's YAML parser, JWT checks, the API docs, uploads and the object store client, the
// live WebSocket, and the SQLite checkpoint thread (its own entry file). A package loaded with import() can come out of a bundle in another shape than
// Node gives it (an upload answered 500 once for that), and the in-process tests run the sources.
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type ServiceProcess, spawnService, tempDataDir } from '../support/service.js';
import { waitFor } from '../support/stream.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
let nats: TestNats;
let svc: ServiceProcess;
let dataDir: string;
let auth: { Authorization: string };

describe.runIf(process.env.NATS_URL === undefined)('the bundle', () => {
  beforeAll(async () => {
    nats = await startTestNats();
    dataDir = tempDataDir();
    const policyPath = join(dataDir, 'sla.yaml');
    writeFileSync(policyPath, 'tiers:\n  premium:\n    high: { response: 30, resolution: 600 }\n');
    svc = await spawnService({
      DATA_DIR: dataDir,
      NATS_URL: nats.url,
      STREAM_NAME: 'BUNDLE_EVENTS',
      AUTH_MODE: 'jwt',
      JWT_SECRET: SECRET,
      SLA_CONFIG_PATH: policyPath,
    });
    await waitFor(async () => (await svc.call('/ready')).ok, 'ready');
    const token = await new SignJWT({ tenant: 'acme', roles: ['agent'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('dana')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    auth = { Authorization: `Bearer ${token}` };
  });
  afterAll(async () => {
    await svc?.stop();
    await nats?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('checks tokens, applies the policy file, stores an upload, serves the docs and the live socket', async () => {
    const created = await svc.call('/api/v1/tickets', {
      method: 'POST',
      headers: auth,
      json: { title: 'Bundle check', created_by: 'dana', priority: 'high', customer_tier: 'premium' },
    });
    expect(created.status).toBe(201);
    const ticket = (await created.json()) as { id: string; sla: { response_due_at: string }; created_at: string };
    // The policy file's 30 minutes, not the default 60, for a premium high ticket.
    expect(Date.parse(ticket.sla.response_due_at) - Date.parse(ticket.created_at)).toBe(30 * 60_000);
    expect((await svc.call('/api/v1/tickets', { method: 'POST', json: { title: 'x', created_by: 'dana' } })).status).toBe(401);
    // Commits leave checkpoints to the thread: only it copies the WAL into the database file, whose
    // schema alone is dozens of pages.
    const dbFile = join(dataDir, 'ticket-svc.db');
    await waitFor(async () => existsSync(dbFile) && statSync(dbFile).size > 64 * 1024, 'the checkpoint thread copying the WAL into the database file');

    const form = new FormData();
    form.append('file', new Blob([randomBytes(50_000)], { type: 'application/octet-stream' }), 'dump.bin');
    const uploaded = await svc.call(`/api/v1/tickets/${ticket.id}/attachments`, { method: 'POST', headers: auth, body: form });
    expect(uploaded.status).toBe(201);
    expect(await uploaded.json()).toMatchObject({ filename: 'dump.bin', size: 50_000 });

    expect((await svc.call('/docs', { tenant: null })).status).toBe(200);

    const socket = new WebSocket(`${svc.url.replace('http', 'ws')}/api/v1/alerts/ws`, { headers: { 'X-Tenant-ID': 'acme', ...auth } });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.close();
  });
});
