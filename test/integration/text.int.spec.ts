// SPEC §11 Text through HTTP: a lone surrogate is 400 invalid_text, lengths are code points,
// identifiers refuse control characters, and any accepted text is the same string in the answer,
// the store, the history, time travel, the published event and a replay.
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayTickets } from '../../src/events/replay.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type Json, type TestService, startService, tempDataDir } from '../support/service.js';
import { readStream, waitFor } from '../support/stream.js';

const STREAM = 'TEXT_EVENTS';
const EMOJI = '\u{1F600}';
const ADMIN = { 'X-User-Roles': 'admin', 'X-User-ID': 'root' };

let nats: TestNats;
let svc: TestService;
let stopped = false;
const dataDir = tempDataDir();

beforeAll(async () => {
  nats = await startTestNats();
  svc = await startService({ NATS_URL: nats.url, STREAM_NAME: STREAM, DATA_DIR: dataDir });
  await waitFor(async () => (await svc.call('/ready')).ok, 'ready');
});
afterAll(async () => {
  if (!stopped) await svc?.stop();
  await nats?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Sends `body` as it is written: JSON text whose \ud800 escapes reach the server as escapes. */
async function send(method: string, path: string, body: string, headers: Record<string, string> = {}) {
  const res = await svc.call(path, { method, body, headers: { 'Content-Type': 'application/json', ...headers } });
  return { status: res.status, body: (await res.json()) as Json };
}
const create = async (json: Json, headers: Record<string, string> = {}) => {
  const res = await svc.call('/api/v1/tickets', { method: 'POST', json, headers });
  return { status: res.status, body: (await res.json()) as Json };
};
/** A GET through node:http, which sends header values as latin-1 where fetch refuses them. */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const req = request(`${svc.url}${path}`, { headers }, (res) => {
      let text = '';
      res
        .setEncoding('utf8')
        .on('data', (chunk: string) => (text += chunk))
        .on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Json }));
    });
    req.on('error', reject).end();
  });
}
const get = async (path: string, headers: Record<string, string> = {}) => (await (await svc.call(path, { headers })).json()) as Json;

describe('a lone surrogate is refused as invalid_text, naming the field', () => {
  it('in the reported title, which used to be echoed, stored as three U+FFFD and published as one', async () => {
    const before = (await get('/api/v1/tickets')).items.length;
    const { status, body } = await send('POST', '/api/v1/tickets', '{"title":"x\\ud800y","created_by":"bob"}');
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'invalid_text', fields: { title: expect.stringMatching(/lone surrogate/) } });
    expect(Object.keys(body.fields)).toEqual(['title']);
    expect((await get('/api/v1/tickets')).items).toHaveLength(before);
  });

  it.each([
    ['a low surrogate in the description', '{"title":"t","created_by":"bob","description":"a\\udc00b"}', 'description'],
    ['created_by', '{"title":"t","created_by":"\\udbff"}', 'created_by'],
    ['customer_id', '{"title":"t","created_by":"bob","customer_id":"c\\ud83d"}', 'customer_id'],
    ['a tag', '{"title":"t","created_by":"bob","tags":["ok","\\ud800"]}', 'tags.1'],
    ['an enum field', '{"title":"t","created_by":"bob","priority":"\\ud800"}', 'priority'],
    ['a key', '{"title":"t","created_by":"bob","\\ud800":1}', '\ud800'],
    ['a field no schema reads', '{"title":"t","created_by":"bob","extra":{"deep":["\\udfff"]}}', 'extra.deep.0'],
  ])('in %s', async (_, raw, field) => {
    const { status, body } = await send('POST', '/api/v1/tickets', raw);
    expect(status).toBe(400);
    expect(body.code).toBe('invalid_text');
    expect(body.fields[field]).toMatch(/lone surrogate/);
  });

  it('in a patch, a comment, a transition, the routing rules and a webhook', async () => {
    const { body: t } = await create({ title: 'target', created_by: 'bob' });
    const cases: Array<[string, string, string, string]> = [
      ['PATCH', `/api/v1/tickets/${t.id}`, '{"title":"\\ud800"}', 'title'],
      ['POST', `/api/v1/tickets/${t.id}/comments`, '{"body":"hello \\udc00"}', 'body'],
      ['POST', `/api/v1/tickets/${t.id}/transitions/assign`, '{"assignee":"d\\ud800"}', 'assignee'],
      ['POST', `/api/v1/tickets/${t.id}/transitions/assign`, '{"assignee":"dana","comment":"\\ud800"}', 'comment'],
      ['PUT', '/api/v1/config/routing', '{"rules":[{"priority":"high","assignee":"\\ud800"}]}', 'rules.0.assignee'],
      ['PUT', '/api/v1/config/severity', '{"keywords":["x\\udc00"]}', 'keywords.0'],
      ['POST', '/api/v1/webhooks', '{"name":"n\\ud800","url":"https://example.com/h","events":["ticket.created"],"secret":"0123456789abcdef"}', 'name'],
      ['POST', '/api/v1/webhooks', '{"name":"n","url":"https://example.com/h\\ud800","events":["ticket.created"],"secret":"0123456789abcdef"}', 'url'],
      ['PUT', `/api/v1/tickets/${t.id}/github`, '{"number":1,"url":"https://github.com/o/r\\ud800/issues/1"}', 'url'],
    ];
    for (const [method, path, raw, field] of cases) {
      const { status, body } = await send(method, path, raw, ADMIN);
      expect({ method, path, raw, status, code: body.code }).toEqual({ method, path, raw, status: 400, code: 'invalid_text' });
      expect(body.fields[field], raw).toMatch(/lone surrogate/);
    }
    expect((await get(`/api/v1/tickets/${t.id}`)).version).toBe(1);
  });

  it('in bytes that are not UTF-8, which are refused rather than replaced', async () => {
    const body = Buffer.concat([Buffer.from('{"title":"caf'), Buffer.from([0xe9]), Buffer.from('","created_by":"bob"}')]);
    const res = await svc.call('/api/v1/tickets', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'invalid_text', fields: { body: expect.any(String) } });
  });

  it('in a batch item, for that item alone, external_id included', async () => {
    const raw =
      '{"tickets":[{"title":"fine","created_by":"bob","external_id":"ok-1"},{"title":"t","created_by":"bob","external_id":"x\\ud800"},{"title":"t","created_by":"bob","external_id":"a\\u0001"}]}';
    const { status, body } = await send('POST', '/api/v1/tickets/batch', raw);
    expect(status).toBe(200);
    expect(body.items.map((i: Json) => [i.outcome, i.error?.code])).toEqual([
      ['created', undefined],
      ['error', 'invalid_text'],
      ['error', 'validation_failed'],
    ]);
    expect(body.items[1].error.fields.external_id).toMatch(/lone surrogate/);
  });
});

describe('lengths are counted in code points', () => {
  it('takes a title of 200 emoji and refuses 201', async () => {
    const { status, body } = await create({ title: EMOJI.repeat(200), created_by: 'bob' });
    expect(status).toBe(201);
    expect(body.title).toBe(EMOJI.repeat(200));
    expect((await get(`/api/v1/tickets/${body.id}`)).title).toBe(EMOJI.repeat(200));
    const refused = await create({ title: EMOJI.repeat(201), created_by: 'bob' });
    expect(refused).toMatchObject({ status: 400, body: { code: 'validation_failed', fields: { title: 'at most 200 characters' } } });
  });

  it('says so in /openapi.json, as JSON Schema counts them', async () => {
    const doc = await get('/openapi.json');
    expect(doc.components.schemas.CreateTicket.properties.title).toMatchObject({ minLength: 1, maxLength: 200 });
  });
});

describe('control characters', () => {
  it.each([
    ['created_by', { title: 't', created_by: 'a\r\nb' }],
    ['created_by', { title: 't', created_by: 'bob\u0000' }],
    ['created_by', { title: 't', created_by: 'bob\u2028' }],
    ['customer_id', { title: 't', created_by: 'bob', customer_id: 'c\u0085' }],
    ['title', { title: 'two\nlines', created_by: 'bob' }],
    ['title', { title: 'tab\there', created_by: 'bob' }],
    ['description', { title: 't', created_by: 'bob', description: 'windows\r\nline' }],
    ['description', { title: 't', created_by: 'bob', description: 'bell\u0007' }],
  ])('refuses %s %j with validation_failed', async (field, json) => {
    const { status, body } = await create(json);
    expect(status).toBe(400);
    expect(body.code).toBe('validation_failed');
    expect(Object.keys(body.fields)).toEqual([field]);
  });

  it('keeps \\n and \\t in a description, unchanged', async () => {
    const { status, body } = await create({ title: 't', created_by: 'bob', description: 'one\n\ttwo\n' });
    expect(status).toBe(201);
    expect((await get(`/api/v1/tickets/${body.id}`)).description).toBe('one\n\ttwo\n');
  });

  it('refuses them in an assignee and a comment body', async () => {
    const { body: t } = await create({ title: 'target', created_by: 'bob' });
    const assign = await svc.call(`/api/v1/tickets/${t.id}/transitions/assign`, { method: 'POST', json: { assignee: 'dana\r\n' } });
    expect(assign.status).toBe(400);
    expect((await assign.json()) as Json).toMatchObject({ code: 'validation_failed', fields: { assignee: expect.any(String) } });
    const comment = await svc.call(`/api/v1/tickets/${t.id}/comments`, { method: 'POST', json: { body: 'a\u001bb' } });
    expect(comment.status).toBe(400);
  });

  it('refuses "\\u0000" and "a\\r\\nb\\u0001" as routing assignees, and keeps the rules as they were', async () => {
    const before = await get('/api/v1/config/routing', ADMIN);
    for (const assignee of ['\u0000', 'a\r\nb\u0001']) {
      const rule = await svc.call('/api/v1/config/routing', { method: 'PUT', json: { rules: [{ priority: 'high', assignee }] }, headers: ADMIN });
      expect(rule.status).toBe(400);
      expect((await rule.json()) as Json).toMatchObject({ code: 'validation_failed', fields: { 'rules.0.assignee': expect.any(String) } });
      const fallback = await svc.call('/api/v1/config/routing', { method: 'PUT', json: { rules: [], fallback: assignee }, headers: ADMIN });
      expect(fallback.status).toBe(400);
    }
    expect(await get('/api/v1/config/routing', ADMIN)).toEqual(before);
  });

  it('refuses them in X-User-ID', async () => {
    // HTTP clients and Node's parser stop C0 controls in a header; C1 controls arrive as latin-1 bytes.
    for (const id of ['a\u0085b', '\u009f']) {
      const { status, body } = await rawGet('/api/v1/tickets', { 'X-Tenant-ID': 'acme', 'X-User-ID': id });
      expect(status).toBe(400);
      expect(body.code).toBe('invalid_user');
    }
  });

  it('refuses them in the assignee, customer_id and q filters', async () => {
    for (const query of ['assignee=%00', 'customer_id=a%0D%0Ab', 'q=x%0Ay']) {
      const res = await svc.call(`/api/v1/tickets?${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as Json).code).toBe('validation_failed');
    }
    // A query string cannot carry a lone surrogate: its UTF-8 form does not decode, and stays as sent.
    expect((await svc.call('/api/v1/tickets?assignee=%ED%A0%80')).status).toBe(200);
  });
});

describe('accepted text is the same string everywhere', () => {
  // Any code point but the control characters the kind refuses (and the line and paragraph separators in a title).
  const title = fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).filter((s) => !/[\p{Cc}\u2028\u2029]/u.test(s) && s.trim() !== '');
  const description = fc.string({ unit: 'binary', maxLength: 120 }).filter((s) => !/\p{Cc}/u.test(s.replace(/[\n\t]/g, '')));
  const body = description.filter((s) => s.trim() !== '');

  it('in the answer, a GET, the history, ?at=1, the comments, the published events and a replay', { timeout: 60_000 }, async () => {
    const made: Array<{ id: string; title: string; description: string | null; commentId: string; body: string }> = [];
    await fc.assert(
      fc.asyncProperty(title, description, body, async (t, d, b) => {
        const expected = { title: t.trim(), description: d === '' ? null : d };
        const created = await create({ title: t, description: d, created_by: 'bob' });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject(expected);
        const id = created.body.id as string;
        expect(await get(`/api/v1/tickets/${id}`)).toMatchObject(expected);
        expect(await get(`/api/v1/tickets/${id}?at=1`)).toMatchObject(expected);
        const commented = await svc.call(`/api/v1/tickets/${id}/comments`, { method: 'POST', json: { body: b } });
        expect(commented.status).toBe(201);
        const comment = (await commented.json()) as Json;
        expect(comment.body).toBe(b.trim());
        expect((await get(`/api/v1/tickets/${id}/comments`)).items[0].body).toBe(b.trim());
        const history = (await get(`/api/v1/tickets/${id}/history`)).items as Json[];
        expect(history.find((e) => e.action === 'created')!.data).toMatchObject(expected);
        expect(history.find((e) => e.comment)!.comment.body).toBe(b.trim());
        made.push({ id, ...expected, commentId: comment.id, body: b.trim() });
      }),
      { numRuns: 25 },
    );

    const events = await waitFor(async () => {
      const all = await readStream(nats.url, STREAM);
      return made.every((m) => all.some((e) => e.event.comment?.id === m.commentId)) ? all : undefined;
    }, 'the events of every ticket');
    for (const m of made) {
      const created = events.find((e) => e.event.data?.id === m.id && e.event.meta?.action === 'created');
      expect(created?.event.data).toMatchObject({ title: m.title, description: m.description ?? '' });
      expect(events.find((e) => e.event.comment?.id === m.commentId)?.event.comment?.body).toBe(m.body);
    }

    // Replay: the tickets table thrown away and rebuilt from the events table holds the same strings.
    stopped = true;
    await svc.stop();
    const dbPath = join(dataDir, 'ticket-svc.db');
    const store = await openSqliteStore({ path: dbPath });
    try {
      const live = await store.allTickets();
      const db = new BetterSqlite3(dbPath);
      db.exec("UPDATE tickets SET title = 'wrecked', description = 'wrecked'");
      db.close();
      await replayTickets(store);
      const rebuilt = await store.allTickets();
      expect(rebuilt).toEqual(live);
      for (const m of made) expect(rebuilt.find((t) => t.id === m.id)).toMatchObject({ title: m.title, description: m.description });
    } finally {
      await store.close();
    }
  });
});
