// The requests the benchmark sends: the create body every phase uses, and a GET that cycles through known ids.
import type { Request } from 'autocannon';

export const TENANT = 'bench';

export const CREATE_BODY = JSON.stringify({
  title: 'Printer on fire',
  created_by: 'bench',
  description: 'paper jam in tray 2',
  priority: 'high',
});

const headers = { 'x-tenant-id': TENANT, 'content-type': 'application/json' };

export function createRequest(onResponse?: Request['onResponse']): Request {
  return { method: 'POST', path: '/api/v1/tickets', headers, body: CREATE_BODY, ...(onResponse ? { onResponse } : {}) };
}

export function getRequest(ids: readonly string[]): Request {
  let next = 0;
  return {
    method: 'GET',
    path: `/api/v1/tickets/${ids[0]}`,
    headers: { 'x-tenant-id': TENANT },
    setupRequest: (request) => {
      request.path = `/api/v1/tickets/${ids[next++ % ids.length]}`;
      return request;
    },
  };
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
export function idCollector(ids: string[], max: number): NonNullable<Request['onResponse']> {
  return (status, body) => {
    if (status !== 201 || ids.length >= max) return;
    const id = ticketIdOf(body);
    if (id) ids.push(id);
  };
}
