// "No 500 for anything a client can send": every route of the OpenAPI document, fed malformed
// bodies, odd path values and every role, answers a JSON error below 500 (or succeeds).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { type TestService, startService } from '../support/service.js';
import { waitFor } from '../support/stream.js';

let nats: TestNats;
let svc: TestService;
let ticketId: string;

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let store: TestStore;

  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    svc = await startService({ ...store.env, NATS_URL: nats.url, STREAM_NAME: 'BAD_INPUT' });
    await waitFor(async () => (await svc.call('/ready')).ok, 'ready');
    const res = await svc.call('/api/v1/tickets', { method: 'POST', json: { title: 'target', created_by: 'x', customer_id: 'cust-1' } });
    ticketId = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await svc?.stop();
    await store?.dispose();
    await nats?.stop();
  });

  const BODIES: Array<[string, string | undefined]> = [
    ['no body', undefined],
    ['invalid JSON', '{"title": '],
    ['a JSON array', '[1, 2, 3]'],
    ['a JSON string', '"hello"'],
    ['an empty object', '{}'],
    [
      'wrong types',
      '{"title": 42, "created_by": [], "tags": "x", "tickets": {}, "keywords": 7, "tiers": [], "rules": null, "body": false, "number": "7", "url": 1, "assignee": {}}',
    ],
    ['deep nesting', `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`],
    ['null bytes and odd unicode', JSON.stringify({ title: 'a\u0000b\ud800', created_by: '\u202e', body: '\u0000' })],
  ];
  const PATH_VALUES = [() => ticketId, () => 'does-not-exist', () => 'x'.repeat(300), () => '%E0%A4%A', () => '..%2F..%2Fetc'];
  const ROLES = ['customer', 'agent', 'admin'];

  describe('bad input, on every route', () => {
    it('never gets a 500, and every error is JSON with a code', { timeout: 120_000 }, async () => {
      const doc = (await (await svc.call('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
      const failures: string[] = [];
      let requests = 0;
      for (const [template, methods] of Object.entries(doc.paths)) {
        for (const method of Object.keys(methods)) {
          for (const value of PATH_VALUES) {
            const path = template.replace(/\{[^}]+\}/g, () => encodeURIComponent(value()).replace(/%25/g, '%'));
            for (const role of ROLES) {
              for (const [what, body] of method === 'get' || method === 'delete' ? [BODIES[0]!] : BODIES) {
                const headers: Record<string, string> = { 'X-User-Roles': role, 'X-User-ID': 'cust-1' };
                if (body !== undefined) headers['Content-Type'] = 'application/json';
                const res = await svc.call(`${path}?limit=abc&at=%00&state=zzz`, {
                  method: method.toUpperCase(),
                  headers,
                  ...(body !== undefined ? { body } : {}),
                });
                requests += 1;
                const text = await res.text();
                if (res.status >= 500) failures.push(`${method.toUpperCase()} ${path} as ${role} with ${what}: ${res.status} ${text.slice(0, 200)}`);
                else if (res.status >= 400 && !/"code":"[a-z_]+"/.test(text))
                  failures.push(`${method.toUpperCase()} ${path} as ${role} with ${what}: ${res.status} without a code`);
              }
            }
          }
        }
      }
      expect(requests).toBeGreaterThan(500);
      expect(failures).toEqual([]);
    });
  });
});
