// SPEC §3 and §5 comments through HTTP: public and internal comments, what customers see (in
// every route and event they can reach), the response SLA met by a public agent comment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { type Json, type TestService, startService } from '../support/service.js';
import { readStream, waitFor } from '../support/stream.js';

let nats: TestNats;
let svc: TestService;
const STREAM = 'COMMENT_EVENTS';
const AGENT = { 'X-User-ID': 'dana', 'X-User-Roles': 'agent' };
const CUSTOMER = { 'X-User-ID': 'cust-1', 'X-User-Roles': 'customer' };

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let store: TestStore;

  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    svc = await startService({ ...store.env, NATS_URL: nats.url, STREAM_NAME: STREAM });
  });
  afterAll(async () => {
    await svc?.stop();
    await store?.dispose();
    await nats?.stop();
  });

  async function ticket(): Promise<Json> {
    const res = await svc.call('/api/v1/tickets', {
      method: 'POST',
      json: { title: 'Login fails', created_by: 'cust-1', customer_id: 'cust-1' },
      headers: AGENT,
    });
    return (await res.json()) as Json;
  }
  const comment = (id: string, json: unknown, headers: Record<string, string>) => svc.call(`/api/v1/tickets/${id}/comments`, { method: 'POST', json, headers });
  const list = async (id: string, headers: Record<string, string>) =>
    ((await (await svc.call(`/api/v1/tickets/${id}/comments`, { headers })).json()) as Json).items as Json[];

  describe('comments', () => {
    it('are added with 201 and listed oldest first, each with its author', async () => {
      const t = await ticket();
      const res = await comment(t.id, { body: 'Have you tried turning it off and on?' }, AGENT);
      expect(res.status).toBe(201);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(await res.json()).toMatchObject({ author: 'dana', body: 'Have you tried turning it off and on?', internal: false, id: expect.any(String) });
      await comment(t.id, { body: 'Yes, twice.' }, CUSTOMER);
      expect((await list(t.id, AGENT)).map((c) => [c.author, c.body])).toEqual([
        ['dana', 'Have you tried turning it off and on?'],
        ['cust-1', 'Yes, twice.'],
      ]);
    });

    it('hide internal comments from customers in the comments, the history and nowhere else they can reach', async () => {
      const t = await ticket();
      await comment(t.id, { body: 'customer is on the legacy plan', internal: true }, AGENT);
      await comment(t.id, { body: 'We are on it' }, AGENT);
      expect((await list(t.id, AGENT)).map((c) => c.internal)).toEqual([true, false]);
      expect((await list(t.id, CUSTOMER)).map((c) => c.body)).toEqual(['We are on it']);
      const history = (await (await svc.call(`/api/v1/tickets/${t.id}/history`, { headers: CUSTOMER })).json()) as Json;
      expect(JSON.stringify(history)).not.toContain('legacy plan');
      expect(history.items.filter((e: Json) => e.action === 'commented')).toHaveLength(1);
    });

    it('refuse an internal comment from a customer, an empty body, and strangers', async () => {
      const t = await ticket();
      const internal = await comment(t.id, { body: 'psst', internal: true }, CUSTOMER);
      expect(internal.status).toBe(403);
      expect(await internal.json()).toMatchObject({ code: 'forbidden', fields: { internal: expect.any(String) } });
      const empty = await comment(t.id, { body: '   ' }, AGENT);
      expect(await empty.json()).toMatchObject({ code: 'validation_failed', fields: { body: expect.any(String) } });
      expect((await comment(t.id, { body: 'x'.repeat(10001) }, AGENT)).status).toBe(400);
      expect((await comment(t.id, { body: 'hi' }, { 'X-User-ID': 'cust-2', 'X-User-Roles': 'customer' })).status).toBe(404);
      expect((await svc.call(`/api/v1/tickets/${t.id}/comments`, { headers: { 'X-User-ID': 'cust-2', 'X-User-Roles': 'customer' } })).status).toBe(404);
    });

    it('meet the response SLA with the first public agent comment, not an internal one or the customer', async () => {
      const t = await ticket();
      await comment(t.id, { body: 'note to self', internal: true }, AGENT);
      await comment(t.id, { body: 'any news?' }, CUSTOMER);
      const waiting = (await (await svc.call(`/api/v1/tickets/${t.id}`, { headers: AGENT })).json()) as Json;
      expect(waiting.sla.first_response_at).toBeNull();
      await comment(t.id, { body: 'Looking now' }, AGENT);
      const answered = (await (await svc.call(`/api/v1/tickets/${t.id}`, { headers: AGENT })).json()) as Json;
      expect(answered).toMatchObject({ status: 'new', version: 4, sla: { first_response_at: expect.any(String) } });
    });

    it('publish a commented event with the comment', async () => {
      const t = await ticket();
      await comment(t.id, { body: 'published' }, AGENT);
      const [event] = await waitFor(async () => {
        const found = (await readStream(nats.url, STREAM)).filter((e) => e.event.data?.id === t.id && e.subject.endsWith('.commented'));
        return found.length ? found : undefined;
      }, 'commented event');
      expect(event!.headers.schema).toBe('ticket.event.commented@v1');
      expect(event!.event.comment).toMatchObject({ author: 'dana', body: 'published', internal: false });
    });
  });

  describe('GitHub links', () => {
    const link = (id: string, json: unknown, headers: Record<string, string> = AGENT) =>
      svc.call(`/api/v1/tickets/${id}/github`, { method: 'PUT', json, headers });

    it('link and unlink an issue, each a change with its event', async () => {
      const t = await ticket();
      const linked = await link(t.id, { number: 7, url: 'https://github.com/acme/app/issues/7' });
      expect(linked.status).toBe(200);
      expect(await linked.json()).toMatchObject({ github_issue: { number: 7, url: 'https://github.com/acme/app/issues/7' }, version: 2 });
      expect(((await (await link(t.id, { number: 7, url: 'https://github.com/acme/app/issues/7' })).json()) as Json).version).toBe(2);
      const unlinked = await svc.call(`/api/v1/tickets/${t.id}/github`, { method: 'DELETE', headers: AGENT });
      expect(await unlinked.json()).toMatchObject({ github_issue: null, version: 3 });
      const history = (await (await svc.call(`/api/v1/tickets/${t.id}/history`, { headers: AGENT })).json()) as Json;
      expect(history.items.filter((e: Json) => e.action === 'updated').map((e: Json) => e.changed_fields)).toEqual([['github_issue'], ['github_issue']]);
    });

    it('refuse a URL that is not an issue, a number that does not match it, and customers', async () => {
      const t = await ticket();
      const bad = await link(t.id, { number: 7, url: 'http://github.com/acme/app/pull/7' });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ fields: { url: expect.any(String) } });
      expect(((await (await link(t.id, { number: 8, url: 'https://github.com/acme/app/issues/7' })).json()) as Json).fields).toHaveProperty('url');
      expect((await link(t.id, { number: 7, url: 'https://github.com/acme/app/issues/7' }, CUSTOMER)).status).toBe(403);
    });
  });
});
