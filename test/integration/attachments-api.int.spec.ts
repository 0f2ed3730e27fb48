// SPEC §3 and §5 attachments through HTTP: multipart upload into the tenant's JetStream object
// store, metadata with size and sha256, streaming download, the size limit enforced while
// streaming (413), and an attachment_added event.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { type Json, type TestService, startService } from '../support/service.js';
import { readStream, waitFor } from '../support/stream.js';

let nats: TestNats;
let svc: TestService;
const STREAM = 'ATTACH_EVENTS';
const AGENT = { 'X-User-ID': 'dana', 'X-User-Roles': 'agent' };
const CUSTOMER = { 'X-User-ID': 'cust-1', 'X-User-Roles': 'customer' };

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let store: TestStore;

  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    svc = await startService({ ...store.env, NATS_URL: nats.url, STREAM_NAME: STREAM, MAX_ATTACHMENT_MB: '2' });
    await waitFor(async () => (await svc.call('/ready')).ok, 'ready');
  });
  afterAll(async () => {
    await svc?.stop();
    await store?.dispose();
    await nats?.stop();
  });

  async function ticket(tenant = 'acme'): Promise<Json> {
    const res = await svc.call('/api/v1/tickets', {
      method: 'POST',
      json: { title: 'Screenshot attached', created_by: 'cust-1', customer_id: 'cust-1' },
      headers: AGENT,
      tenant,
    });
    return (await res.json()) as Json;
  }

  function upload(id: string, bytes: Uint8Array, { filename = 'screen shot.png', type = 'image/png', headers = AGENT, tenant = 'acme' } = {}) {
    const form = new FormData();
    form.append('note', 'not a file');
    form.append('file', new Blob([bytes], { type }), filename);
    return svc.call(`/api/v1/tickets/${id}/attachments`, { method: 'POST', body: form, headers, tenant });
  }

  describe('attachments', () => {
    it('store the bytes in the tenant bucket with size and sha256, and download them as they were', async () => {
      const t = await ticket();
      const bytes = randomBytes(300_000);
      const res = await upload(t.id, bytes);
      expect(res.status).toBe(201);
      const meta = (await res.json()) as Json;
      expect(meta).toMatchObject({
        filename: 'screen shot.png',
        content_type: 'image/png',
        size: bytes.length,
        created_by: 'dana',
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
      expect(res.headers.get('location')).toBe(`/api/v1/tickets/${t.id}/attachments/${meta.id}`);

      const download = await svc.call(`/api/v1/tickets/${t.id}/attachments/${meta.id}`, { headers: CUSTOMER });
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('image/png');
      expect(download.headers.get('content-disposition')).toBe(`attachment; filename="screen shot.png"; filename*=UTF-8''screen%20shot.png`);
      expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);

      const list = (await (await svc.call(`/api/v1/tickets/${t.id}/attachments`, { headers: AGENT })).json()) as Json;
      expect(list.items).toEqual([meta]);
      const nc = await connect({ servers: nats.url });
      const jsm = await jetstreamManager(nc);
      expect((await jsm.streams.info('OBJ_attachments_acme')).config.name).toBe('OBJ_attachments_acme');
      await nc.close();
    });

    it('publish an attachment_added event with the metadata', async () => {
      const t = await ticket();
      await upload(t.id, Buffer.from('hello'), { filename: 'hello.txt', type: 'text/plain' });
      const [event] = await waitFor(async () => {
        const found = (await readStream(nats.url, STREAM)).filter((e) => e.event.data?.id === t.id && e.subject.endsWith('.attachment_added'));
        return found.length ? found : undefined;
      }, 'attachment event');
      expect(event!.event.attachment).toMatchObject({ filename: 'hello.txt', contentType: 'text/plain', size: 5n });
    });

    it('refuse a file over MAX_ATTACHMENT_MB with 413 while streaming, keeping nothing', async () => {
      const t = await ticket();
      const res = await upload(t.id, randomBytes(2 * 1024 * 1024 + 1));
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ code: 'payload_too_large', fields: { file: expect.any(String) } });
      expect(((await (await svc.call(`/api/v1/tickets/${t.id}/attachments`, { headers: AGENT })).json()) as Json).items).toEqual([]);
      expect(((await (await svc.call(`/api/v1/tickets/${t.id}`, { headers: AGENT })).json()) as Json).version).toBe(1);
    });

    it('accept a file of exactly the maximum size', async () => {
      const t = await ticket();
      const res = await upload(t.id, randomBytes(2 * 1024 * 1024));
      expect(res.status).toBe(201);
    });

    it('refuse uploads without a file part, of another media type, and to tickets the caller cannot see', async () => {
      const t = await ticket();
      const form = new FormData();
      form.append('note', 'no file here');
      const none = await svc.call(`/api/v1/tickets/${t.id}/attachments`, { method: 'POST', body: form, headers: AGENT });
      expect(none.status).toBe(400);
      expect(await none.json()).toMatchObject({ fields: { file: expect.any(String) } });
      const json = await svc.call(`/api/v1/tickets/${t.id}/attachments`, { method: 'POST', json: { file: 'x' }, headers: AGENT });
      expect(json.status).toBe(415);
      expect((await upload(t.id, Buffer.from('x'), { headers: { 'X-User-ID': 'cust-2', 'X-User-Roles': 'customer' } })).status).toBe(404);
      expect((await upload(t.id, Buffer.from('x'), { tenant: 'globex' })).status).toBe(404);
      expect((await svc.call(`/api/v1/tickets/${t.id}/attachments/nope`, { headers: AGENT })).status).toBe(404);
    });

    it('keep a dangerous file name from becoming a path or a header injection', async () => {
      const t = await ticket();
      const meta = (await (await upload(t.id, Buffer.from('x'), { filename: '../../etc/pässwd"\r\n.txt', type: 'text/html' })).json()) as Json;
      expect(meta.filename).toBe('pässwd".txt');
      const download = await svc.call(`/api/v1/tickets/${t.id}/attachments/${meta.id}`, { headers: AGENT });
      expect(download.headers.get('content-disposition')).toBe(`attachment; filename="p_sswd_.txt"; filename*=UTF-8''p%C3%A4sswd%22.txt`);
      expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });
});
