// SPEC §15: the native NATS API. The micro service ticket-svc answers ticket.<tenant>.<operation>
// with the HTTP API's schemas, command handler and error codes, and is discoverable with $SRV.
import { Svcm } from '@nats-io/services';
import { type NatsConnection, connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type Json, type TestService, startService } from '../support/service.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { waitFor } from '../support/stream.js';

const AGENT = { id: 'dana', roles: ['agent'] };

describe.each(await storeFlavours())('the NATS API on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let nats: TestNats;
  let store: TestStore;
  let svc: TestService;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    svc = await startService({ ...store.env, NATS_URL: nats.url, STREAM_NAME: 'NATS_API_EVENTS', COMPONENTS: 'api,relay' });
    nc = await connect({ servers: nats.url });
    // Registered once the service's connection is up.
    await waitFor(async () => {
      const found: string[] = [];
      for await (const s of await new Svcm(nc).client().ping('ticket-svc')) found.push(s.name);
      return found.length > 0;
    }, 'the micro service answering $SRV.PING');
  });
  afterAll(async () => {
    await nc?.close();
    await svc?.stop();
    await store?.dispose();
    await nats?.stop();
  });

  /** A request and its answer: the JSON, and for an error the service-error headers. */
  async function ask(subject: string, request: unknown): Promise<{ json: Json; status?: string; code?: string }> {
    const payload = typeof request === 'string' ? request : JSON.stringify(request);
    const reply = await nc.request(subject, payload, { timeout: 10_000 });
    const status = reply.headers?.get('Nats-Service-Error-Code');
    return { json: reply.json<Json>(), ...(status ? { status, code: reply.headers?.get('Nats-Service-Error') } : {}) };
  }

  it('is discoverable with its version and one endpoint per operation', async () => {
    const infos: Json[] = [];
    for await (const info of await new Svcm(nc).client().info('ticket-svc')) infos.push(info as unknown as Json);
    expect(infos.length).toBeGreaterThan(0);
    expect(infos[0]!.version).toMatch(/^\d+\.\d+\.\d+/);
    const subjects = (infos[0]!.endpoints as Array<{ name: string; subject: string }>).map((e) => `${e.name} ${e.subject}`).sort();
    expect(subjects).toEqual(['create ticket.*.create', 'get ticket.*.get', 'list ticket.*.list', 'patch ticket.*.patch', 'transition ticket.*.transition']);
  });

  it('takes a ticket through its life as the HTTP API would, the tenant from the subject', async () => {
    const created = await ask('ticket.acme.create', { principal: AGENT, body: { title: 'Over NATS', created_by: 'dana', priority: 'high' } });
    expect(created.status).toBeUndefined();
    expect(created.json).toMatchObject({ tenant: 'acme', title: 'Over NATS', status: 'new', version: 1 });
    const id = created.json.id as string;

    const overHttp = (await (await svc.call(`/api/v1/tickets/${id}`)).json()) as Json;
    expect(overHttp).toMatchObject({ id, title: 'Over NATS', priority: 'high' });

    const patched = await ask('ticket.acme.patch', { principal: AGENT, id, if_match: '"1"', body: { priority: 'critical' } });
    expect(patched.json).toMatchObject({ priority: 'critical', version: 2 });
    const stale = await ask('ticket.acme.patch', { principal: AGENT, id, if_match: '"1"', body: { priority: 'low' } });
    expect(stale).toMatchObject({ status: '412', code: 'version_mismatch', json: { code: 'version_mismatch' } });

    const assigned = await ask('ticket.acme.transition', { principal: AGENT, id, name: 'assign', body: { assignee: 'dana' } });
    expect(assigned.json).toMatchObject({ status: 'assigned', assignee: 'dana' });
    const fetched = await ask('ticket.acme.get', { principal: AGENT, id });
    expect(fetched.json).toMatchObject({ id, status: 'assigned' });
    const listed = await ask('ticket.acme.list', { principal: AGENT, query: { status: 'assigned' } });
    expect((listed.json.items as Json[]).map((t) => t.id)).toContain(id);
  });

  it("answers another tenant's ticket with 404 not_found, as HTTP does", async () => {
    const created = await ask('ticket.acme.create', { principal: AGENT, body: { title: 'Acme only', created_by: 'dana' } });
    const elsewhere = await ask('ticket.globex.get', { principal: AGENT, id: created.json.id });
    expect(elsewhere).toMatchObject({ status: '404', code: 'not_found', json: { code: 'not_found' } });
  });

  it('refuses bad input with the HTTP codes and the field that is wrong', async () => {
    expect(await ask('ticket.acme.create', '{"title":')).toMatchObject({ status: '400', code: 'invalid_json' });
    expect(await ask('ticket.acme.create', { principal: AGENT, body: { created_by: 'dana' } })).toMatchObject({
      status: '400',
      code: 'validation_failed',
      json: { fields: { title: expect.any(String) } },
    });
    expect(await ask('ticket.acme.get', { principal: AGENT })).toMatchObject({
      status: '400',
      code: 'validation_failed',
      json: { fields: { id: expect.any(String) } },
    });
    expect(await ask('ticket.acme.get', { principal: AGENT, id: 'x', colour: 'red' })).toMatchObject({ status: '400', code: 'validation_failed' });
    // Nothing reaches another path, and nothing unfit for a header reaches one.
    expect(await ask('ticket.acme.get', { principal: AGENT, id: '..' })).toMatchObject({ status: '400', json: { fields: { id: expect.any(String) } } });
    expect(await ask('ticket.acme.transition', { principal: AGENT, id: 'x', name: '../x' })).toMatchObject({
      status: '400',
      json: { fields: { name: expect.any(String) } },
    });
    expect(await ask('ticket.acme.create', { principal: AGENT, idempotency_key: 'a\r\nb', body: { title: 't', created_by: 'x' } })).toMatchObject({
      status: '400',
      json: { fields: { idempotency_key: expect.any(String) } },
    });
    expect(await ask('ticket.acme.transition', { principal: { id: 'cust', roles: ['customer'] }, id: 'nope', name: 'assign' })).toMatchObject({
      status: '404',
    });
    expect(await ask('ticket.acme.create', { principal: { id: 'x', roles: ['emperor'] }, body: { title: 't', created_by: 'x' } })).toMatchObject({
      status: '400',
      code: 'invalid_roles',
    });
  });

  it('counts its requests and errors per endpoint in $SRV.STATS', async () => {
    const stats: Json[] = [];
    for await (const s of await new Svcm(nc).client().stats('ticket-svc')) stats.push(s as unknown as Json);
    const create = (stats[0]!.endpoints as Json[]).find((e) => e.name === 'create')!;
    expect(create.num_requests).toBeGreaterThan(0);
  });
});
