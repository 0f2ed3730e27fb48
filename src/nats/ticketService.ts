// The native NATS API (SPEC §15): a NATS micro service `ticket-svc` with request/reply endpoints
// `ticket.<tenant>.<operation>` for create, get, list, patch and transition, discoverable with
// $SRV.PING|INFO|STATS. Each request is handed to the HTTP app in this process as the request it
// stands for, so it passes the same middleware, schemas, command handler and error codes; a refusal
// answers with `Nats-Service-Error-Code` = the HTTP status, `Nats-Service-Error` = the code, and the
// same JSON error as the body.
import { Svcm } from '@nats-io/services';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ApiError, errorBody } from '../http/errors.js';
import type { NatsLink } from './link.js';

/** The HTTP app, asked in process. */
export type LocalFetch = (path: string, init: RequestInit) => Promise<Response>;

// Values that become HTTP header values or path segments: visible ASCII (and spaces) only, ids and
// names without dots, so no request can name another path than its operation's.
const headerValue = z.string().regex(/^[\x20-\x7e]*$/, 'visible ASCII characters only');
const Principal = z.strictObject({ id: headerValue.min(1).max(128), roles: z.array(z.string().regex(/^[a-z]+$/, 'a role name')).min(1) });
const Id = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'a ticket id');
/** What every request may carry besides its operation's own fields. */
const Common = {
  principal: Principal.optional(),
  /** A bearer token, where the service verifies JWTs (AUTH_MODE=jwt). */
  token: headerValue.optional(),
  correlation_id: headerValue.optional(),
};
type CommonFields = { principal?: z.infer<typeof Principal> | undefined; token?: string | undefined; correlation_id?: string | undefined };

/** The HTTP request an operation stands for. */
type HttpRequest = { path: string; method: string; body?: unknown; headers: Record<string, string> };
type Parsed = { ok: true; request: CommonFields; http: HttpRequest } | { ok: false; error: z.ZodError };

/** An operation: its request schema, and the HTTP request a valid one stands for. */
function operation<S extends z.ZodType<CommonFields>>(schema: S, toHttp: (request: z.infer<S>) => HttpRequest): (json: unknown) => Parsed {
  return (json) => {
    const parsed = schema.safeParse(json);
    return parsed.success ? { ok: true, request: parsed.data, http: toHttp(parsed.data) } : { ok: false, error: parsed.error };
  };
}

const ticketPath = (id: string) => `/api/v1/tickets/${encodeURIComponent(id)}`;
const optionalHeader = (name: string, value: string | undefined): Record<string, string> => (value === undefined ? {} : { [name]: value });

const OPERATIONS = {
  create: operation(z.strictObject({ ...Common, body: z.unknown(), idempotency_key: headerValue.optional() }), (r) => ({
    path: '/api/v1/tickets',
    method: 'POST',
    body: r.body ?? {},
    headers: optionalHeader('Idempotency-Key', r.idempotency_key),
  })),
  get: operation(z.strictObject({ ...Common, id: Id, at: z.string().max(64).optional() }), (r) => ({
    path: `${ticketPath(r.id)}${r.at === undefined ? '' : `?at=${encodeURIComponent(r.at)}`}`,
    method: 'GET',
    headers: {},
  })),
  list: operation(z.strictObject({ ...Common, query: z.record(z.string(), z.string()).optional() }), (r) => {
    const query = new URLSearchParams(r.query ?? {}).toString();
    return { path: `/api/v1/tickets${query ? `?${query}` : ''}`, method: 'GET', headers: {} };
  }),
  patch: operation(z.strictObject({ ...Common, id: Id, body: z.unknown(), if_match: headerValue.optional() }), (r) => ({
    path: ticketPath(r.id),
    method: 'PATCH',
    body: r.body ?? {},
    headers: optionalHeader('If-Match', r.if_match),
  })),
  transition: operation(
    z.strictObject({
      ...Common,
      id: Id,
      name: z.string().regex(/^[a-z_]{1,64}$/, 'a transition name'),
      body: z.unknown().optional(),
      if_match: headerValue.optional(),
    }),
    (r) => ({
      path: `${ticketPath(r.id)}/transitions/${encodeURIComponent(r.name)}`,
      method: 'POST',
      body: r.body,
      headers: optionalHeader('If-Match', r.if_match),
    }),
  ),
};
type Operation = keyof typeof OPERATIONS;

const encoder = new TextEncoder();
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export type TicketServiceOptions = { link: NatsLink; fetch: LocalFetch; tenantHeader: string; version: string; log: Logger };

/** Registers the service on every connection the link makes, until stopped. */
export function startTicketService({ link, fetch, tenantHeader, version, log }: TicketServiceOptions): { stop(): Promise<void> } {
  let stopped = false;
  let registered: { stop(): Promise<unknown> } | undefined;
  // Requests being answered: a stop waits for them, so a committed change still gets its reply.
  const inFlight = new Set<Promise<unknown>>();

  /** An answer refused here, in the HTTP API's error body. */
  const refuse = (error: ApiError) => ({ status: error.status, code: error.code, body: JSON.stringify(errorBody(error, undefined)) });

  /** One request: its answer's status, code (for errors) and JSON body. */
  const answer = async (operation: Operation, subject: string, data: Uint8Array): Promise<{ status: number; code?: string; body: string }> => {
    const tenant = subject.split('.')[1] ?? '';
    let json: unknown;
    try {
      json = data.length === 0 ? {} : JSON.parse(UTF8.decode(data));
    } catch {
      return refuse(new ApiError(400, 'invalid_json', 'the request is not JSON', { request: 'must be a JSON object' }));
    }
    const parsed = OPERATIONS[operation](json);
    if (!parsed.ok) {
      const fields = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.') || 'request', i.message]));
      return refuse(new ApiError(400, 'validation_failed', `the ${operation} request is not valid`, fields));
    }
    const { request } = parsed;
    const { path, method, body, headers } = parsed.http;
    headers[tenantHeader] = tenant;
    if (request.principal) {
      headers['X-User-ID'] = request.principal.id;
      headers['X-User-Roles'] = request.principal.roles.join(',');
    }
    if (request.token !== undefined) headers.Authorization = `Bearer ${request.token}`;
    if (request.correlation_id !== undefined) headers['X-Correlation-ID'] = request.correlation_id;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    if (res.ok) return { status: res.status, body: text };
    const code = (JSON.parse(text) as { code?: string }).code ?? 'internal_error';
    return { status: res.status, code, body: text };
  };

  const register = async (nc: NatsConnection) => {
    const service = await new Svcm(nc).add({
      name: 'ticket-svc',
      version,
      description: 'Support tickets: the HTTP API over NATS request/reply, the tenant a subject token',
      queue: 'ticket-svc',
    });
    for (const operation of Object.keys(OPERATIONS) as Operation[]) {
      service.addEndpoint(operation, {
        subject: `ticket.*.${operation}`,
        metadata: { operation },
        handler: (error, msg) => {
          if (error) return;
          const failed = (message: string) => {
            const { status, code, body } = refuse(new ApiError(500, 'internal_error', message));
            msg.respondError(status, code, encoder.encode(body));
          };
          const respond = (send: () => void) => {
            try {
              send();
            } catch (err) {
              // An answer over the server's max_payload (a long list), or a connection closing.
              log.warn({ operation: 'nats_api', err }, 'could not send a NATS API answer');
              try {
                failed('the answer could not be sent');
              } catch {
                // The connection is gone: the requester times out.
              }
            }
          };
          const handled = answer(operation, msg.subject, msg.data).then(
            ({ status, code, body }) => respond(() => (code === undefined ? msg.respond(body) : msg.respondError(status, code, encoder.encode(body)))),
            (failure: unknown) => {
              log.error({ operation: 'nats_api', err: failure }, 'a NATS API request failed');
              respond(() => failed('internal error'));
            },
          );
          inFlight.add(handled);
          void handled.finally(() => inFlight.delete(handled));
        },
      });
    }
    return service;
  };

  void (async () => {
    let current: NatsConnection | undefined;
    while (!stopped) {
      await link.whenReady();
      const nc = link.current()?.nc;
      if (stopped) break;
      if (!nc || nc === current) {
        // Not connected yet, or this connection is served already: wait for it to end.
        await (nc ? nc.closed() : new Promise((resolve) => setTimeout(resolve, 1000)));
        continue;
      }
      current = nc;
      try {
        registered = await register(nc);
        if (stopped) {
          await registered.stop();
          break;
        }
        log.info({ operation: 'nats_api', service: 'ticket-svc' }, 'NATS API serving ticket.<tenant>.<operation>');
      } catch (err) {
        log.warn({ operation: 'nats_api', err }, 'could not register the NATS API; retrying on the next connection');
      }
      await nc.closed();
    }
  })();

  return {
    async stop() {
      stopped = true;
      await registered?.stop().catch(() => undefined);
      await Promise.allSettled(inFlight);
    },
  };
}
