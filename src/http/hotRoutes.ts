// POST /api/v1/tickets and GET /api/v1/tickets/{id}, the two routes every client hammers, answered
// on Node's own request and response. They run the same schemas, guards, domain and store as the
// Hono routes, without the framework's per-request objects (a quarter of a GET's request-thread
// CPU; docs/performance-notes.md). A request they cannot answer for certain (a query string, an
// Idempotency-Key, a body of unknown length, a body or header that fails its check, shutdown) goes
// on to the Hono app untouched, which answers it as it always has, errors included.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../domain/roles.js';
import type { Ticket } from '../domain/ticket.js';
import { commandContextOf } from './commandContext.js';
import type { AppDeps } from './deps.js';
import { apiErrorOf, ApiError, errorBody } from './errors.js';
import { authenticator } from './middleware/identity.js';
import { JSON_MEDIA, keepReadBody, readText } from './middleware/jsonBody.js';
import { correlationIdOf, requestRecorder } from './middleware/observe.js';
import { TENANT_ID } from './middleware/tenancy.js';
import { etag, ticketResponse, ticketResponseText } from './representation.js';
import { nodeHeader } from './requestHeader.js';
import { CreateTicketBody, TicketParams } from './schemas.js';
import { createFromBody, readCurrent } from './ticketActions.js';

export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

const TICKETS = '/api/v1/tickets';
const ONE_TICKET = '/api/v1/tickets/';

type Caller = { tenant: string; principal: Principal; correlationId: string; startedAt: number };

export function hotRoutes(deps: AppDeps, next: NodeListener): NodeListener {
  const authenticate = authenticator(deps.auth);
  const record = requestRecorder(deps.log, deps.metrics);

  /** The tenant and caller, when both pass their checks; undefined sends the request on. */
  const caller = async (req: IncomingMessage, startedAt: number): Promise<Caller | undefined> => {
    const tenant = nodeHeader(req, deps.tenantHeader);
    if (tenant === undefined || !TENANT_ID.test(tenant) || deps.draining()) return undefined;
    const header = (name: string) => nodeHeader(req, name);
    try {
      const principal = await authenticate({ get: header }, tenant);
      return { tenant, principal, correlationId: correlationIdOf(header), startedAt };
    } catch {
      return undefined;
    }
  };

  const send = (res: ServerResponse, status: number, body: unknown, who: Caller, route: string, method: string, headers: Record<string, string>, code?: string) =>
    sendText(res, status, JSON.stringify(body), who, route, method, headers, code);
  const sendText = (res: ServerResponse, status: number, text: string, who: Caller, route: string, method: string, headers: Record<string, string>, code?: string) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers, 'x-correlation-id': who.correlationId, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    record({ method, route, status, startedAt: who.startedAt, correlationId: who.correlationId, tenant: who.tenant, code });
  };
  const sendTicket = (res: ServerResponse, status: number, ticket: Ticket, who: Caller, route: string, method: string, headers: Record<string, string>, text = JSON.stringify(ticketResponse(ticket, who.principal))) =>
    sendText(res, status, text, who, route, method, { etag: etag(ticket), ...headers });
  const fail = (res: ServerResponse, thrown: unknown, who: Caller, route: string, method: string) => {
    const { error, retryAfter } = apiErrorOf(thrown, deps.log, who.correlationId);
    const headers: Record<string, string> = retryAfter ? { 'retry-after': retryAfter } : {};
    send(res, error.status, errorBody(error, who.correlationId), who, route, method, headers, error.code);
  };

  const create = async (req: IncomingMessage, res: ServerResponse, startedAt: number): Promise<void> => {
    const type = nodeHeader(req, 'content-type');
    const length = Number(nodeHeader(req, 'content-length'));
    // Idempotent creates, and bodies of unknown length, take the general route.
    if (type === undefined || !JSON_MEDIA.test(type) || !(length > 0 && length <= deps.bodyLimitBytes) || nodeHeader(req, 'idempotency-key') !== undefined) {
      return next(req, res);
    }
    const who = await caller(req, startedAt);
    if (!who) return next(req, res);
    let text: string | undefined;
    try {
      text = await readText(req, deps.bodyLimitBytes);
    } catch (error) {
      return void fail(res, error, who, TICKETS, 'POST');
    }
    if (text === undefined) return void fail(res, new ApiError(413, 'payload_too_large', `the request body is over ${deps.bodyLimitBytes} bytes`, { body: `at most ${deps.bodyLimitBytes} bytes` }), who, TICKETS, 'POST');
    const parsed = parseJson(text);
    const body = parsed === undefined ? undefined : CreateTicketBody.safeParse(parsed.value);
    if (!body?.success) {
      keepReadBody(req, text);
      return next(req, res);
    }
    try {
      const command = await commandContextOf(deps, who.tenant, who.principal, who.correlationId);
      const { ticket } = await createFromBody(deps.store, body.data, command);
      sendTicket(res, 201, ticket, who, TICKETS, 'POST', { location: `${ONE_TICKET}${ticket.id}` });
    } catch (error) {
      fail(res, error, who, TICKETS, 'POST');
    }
  };

  const read = async (req: IncomingMessage, res: ServerResponse, id: string, startedAt: number): Promise<void> => {
    if (!TicketParams.safeParse({ id }).success) return next(req, res);
    const who = await caller(req, startedAt);
    if (!who) return next(req, res);
    try {
      const command = await commandContextOf(deps, who.tenant, who.principal, who.correlationId);
      const ticket = await readCurrent(deps.store, id, command);
      // The text is kept per ticket version: the same version is read again and again.
      sendTicket(res, 200, ticket, who, `${ONE_TICKET}:id`, 'GET', {}, ticketResponseText(ticket, who.principal));
    } catch (error) {
      fail(res, error, who, `${ONE_TICKET}:id`, 'GET');
    }
  };

  /** Every answer's promise has this owner: what escapes a route is logged, and the client gets a 500 if it still waits. */
  const owned = (work: Promise<void>, res: ServerResponse): Promise<void> =>
    work.catch((error: unknown) => {
      deps.log.error({ operation: 'http', err: error }, 'request failed outside its route');
      if (res.headersSent) return void res.end();
      res.writeHead(500, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify(errorBody(new ApiError(500, 'internal_error', 'internal error'), undefined)));
    });

  // These routes answer outside the middleware chain: with a rate limit, the chain answers everything.
  if (deps.rateLimiter) return next;
  return (req, res) => {
    const startedAt = performance.now();
    const url = req.url ?? '';
    if (req.method === 'POST' && url === TICKETS) return owned(create(req, res, startedAt), res);
    // One plain path segment: no query, no percent-encoding (Hono decodes those), no deeper path.
    if (req.method === 'GET' && url.startsWith(ONE_TICKET) && !/[/?%#]/.test(url.slice(ONE_TICKET.length))) {
      return owned(read(req, res, url.slice(ONE_TICKET.length), startedAt), res);
    }
    return next(req, res);
  };
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
