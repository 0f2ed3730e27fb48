// The requests the benchmark sends: the create body every phase uses, and a GET that cycles through known ids.
import { fileURLToPath } from 'node:url';
import type { OnResponse, Request } from 'autocannon';

export const TENANT = 'bench';

export const CREATE_BODY = JSON.stringify({
  title: 'Printer on fire',
  created_by: 'bench',
  description: 'paper jam in tray 2',
  priority: 'high',
});

const CYCLE_PATHS = fileURLToPath(new URL('./cyclePaths.cjs', import.meta.url));

const headers = { 'x-tenant-id': TENANT, 'content-type': 'application/json' };

export function createRequest(onResponse?: OnResponse): Request {
  return { method: 'POST', path: '/api/v1/tickets', headers, body: CREATE_BODY, ...(onResponse ? { onResponse } : {}) };
}

/** GETs of the tickets `ids` names, one after another; runs in autocannon's worker threads too. */
export function getRequest(ids: readonly string[]): Request {
  const paths = ids.map((id) => `/api/v1/tickets/${id}`);
  const request: Request & { paths: string[] } = { method: 'GET', path: paths[0], headers: { 'x-tenant-id': TENANT }, setupRequest: CYCLE_PATHS, paths };
  return request;
}

/** The ticket id in a create response body (a 201's JSON). */
export function ticketIdOf(body: string): string | undefined {
  try {
    const id: unknown = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** A create's onResponse that keeps the ids of the first `max` tickets created (for the GET phase). */
export function idCollector(ids: string[], max: number): OnResponse {
  return (status, body) => {
    if (status !== 201 || ids.length >= max) return;
    const id = ticketIdOf(body);
    if (id) ids.push(id);
  };
}
