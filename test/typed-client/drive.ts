// A client generated from the service's own /openapi.json (openapi-typescript, at test time) and
// driven through openapi-fetch: a full ticket life, every path, header and body type-checked by
// tsc against the generated types (test/typed-client/tsconfig.json) before it runs.
import createClient from 'openapi-fetch';
import type { paths } from './.generated/api.js';

export type Life = { id: string; versions: number[]; statuses: string[]; staleStatus: number; historyActions: string[] };

export async function driveTicketLife(baseUrl: string): Promise<Life> {
  const client = createClient<paths>({ baseUrl });
  const as = { 'X-Tenant-ID': 'typed', 'X-User-ID': 'dana', 'X-User-Roles': 'agent' };

  const created = await client.POST('/api/v1/tickets', {
    params: { header: { ...as, 'Idempotency-Key': 'typed-life-1' } },
    body: { title: 'Typed client', created_by: 'dana', priority: 'high', tags: ['typed'] },
  });
  if (!created.data) throw new Error(`create: ${created.response.status}`);
  const id = created.data.id;
  const versions = [created.data.version];
  const statuses: string[] = [created.data.status];

  const patched = await client.PATCH('/api/v1/tickets/{id}', {
    params: { path: { id }, header: { ...as, 'If-Match': `"${created.data.version}"` } },
    body: { priority: 'critical' },
  });
  if (!patched.data) throw new Error(`patch: ${patched.response.status}`);
  versions.push(patched.data.version);

  const stale = await client.PATCH('/api/v1/tickets/{id}', {
    params: { path: { id }, header: { ...as, 'If-Match': `"${created.data.version}"` } },
    body: { priority: 'low' },
  });

  for (const [name, body] of [
    ['assign', { assignee: 'dana' }],
    ['start_work', {}],
    ['resolve', { comment: 'fixed' }],
    ['close', {}],
  ] as const) {
    const fired = await client.POST('/api/v1/tickets/{id}/transitions/{name}', { params: { path: { id, name }, header: as }, body });
    if (!fired.data) throw new Error(`${name}: ${fired.response.status}`);
    versions.push(fired.data.version);
    statuses.push(fired.data.status);
  }

  const history = await client.GET('/api/v1/tickets/{id}/history', { params: { path: { id }, header: as } });
  if (!history.data) throw new Error(`history: ${history.response.status}`);
  return { id, versions, statuses, staleStatus: stale.response.status, historyActions: history.data.items.map((e) => e.action) };
}
