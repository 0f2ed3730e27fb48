// STREAM_REPLICAS asks NATS for that many copies of the stream. A lone server cannot hold more than
// one: the service says so (/ready 503, the reason in the log), keeps taking writes, and publishes
// nothing to a stream it could not set up as configured. (Three replicas on a cluster: nats-cluster.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type TestService, startService } from '../support/service.js';
import { readStream, waitFor } from '../support/stream.js';

describe.runIf(process.env.NATS_URL === undefined)('more stream replicas than the NATS servers can hold', () => {
  let nats: TestNats;
  let svc: TestService;
  beforeAll(async () => {
    nats = await startTestNats();
    svc = await startService({ NATS_URL: nats.url, STREAM_NAME: 'REPLICATED_EVENTS', STREAM_REPLICAS: '3' });
  });
  afterAll(async () => {
    await svc?.stop();
    await nats?.stop();
  });

  it('answers not ready naming the stream, keeps accepting writes, and creates no single-copy stream instead', async () => {
    const res = await svc.call('/api/v1/tickets', { method: 'POST', json: { title: 'kept', created_by: 'ops' } });
    expect(res.status).toBe(201);
    const ready = await waitFor(async () => {
      const r = await svc.call('/ready');
      return r.status === 503 ? ((await r.json()) as { checks: Record<string, string> }) : undefined;
    }, 'not ready');
    expect(ready.checks).toMatchObject({ store: 'ok', nats: 'stream not ready' });
    expect(await readStream(nats.url, 'REPLICATED_EVENTS')).toEqual([]);
  });
});
