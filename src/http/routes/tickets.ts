// /api/v1/tickets: create, get, list, patch, delete and history. Routes parse, call the domain, map the outcome.
import { createHash } from 'node:crypto';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type CommandContext, createTicket, deleteTicket, readTicket, updateTicket } from '../../domain/ticket.js';
import { decodePayload } from '../../events/record.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ApiError, refusalError } from '../errors.js';
import { decodeCursor, encodeCursor, etag, parseIfMatch, ticketJson } from '../representation.js';
import { CreateTicketBody, ErrorBody, History, ListQuery, PatchTicketBody, TicketBody, TicketPage, TicketParams } from '../schemas.js';
import { requestHeader } from '../requestHeader.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: 'error', content: { 'application/json': { schema: ErrorBody } } }]));

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

// Documented, not validated here: the tenancy middleware checks it (and answers with its own codes).
const tenantParameter = (tenantHeader: string) => ({
  name: tenantHeader,
  in: 'header' as const,
  required: true,
  description: 'the tenant; a safe NATS subject token',
  schema: { type: 'string' as const, pattern: '^[A-Za-z0-9_-]{1,64}$' },
});

export function ticketRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const parameters = [tenantParameter(deps.tenantHeader)];

  const ctx = (c: Context<AppEnv>): CommandContext => ({
    tenant: c.get('tenant'),
    actor: c.get('actor'),
    correlationId: c.get('correlationId'),
    now: deps.now().toISOString(),
    newId: deps.newId,
    severityKeywords: deps.severityKeywords,
  });

  app.openapi(
    createRoute({
      method: 'post', path: '/tickets', operationId: 'createTicket', tags: ['tickets'],
      parameters, request: { body: { required: true, content: { 'application/json': { schema: CreateTicketBody } } } },
      responses: { 201: json(TicketBody, 'created (or replayed for a repeated Idempotency-Key)'), ...errors(400, 409, 413, 415) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const key = requestHeader(c, 'idempotency-key');
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
        throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1-255 visible ASCII characters', {
          'Idempotency-Key': '1-255 visible ASCII characters',
        });
      }
      const command = ctx(c);
      const input = {
        title: body.title,
        description: body.description ?? undefined,
        createdBy: body.created_by,
        type: body.type,
        priority: body.priority,
        customerId: body.customer_id,
        customerTier: body.customer_tier,
        tags: body.tags,
        externalId: body.external_id,
      };
      const claim = key === undefined ? undefined : {
        key,
        fingerprint: createHash('sha256').update(JSON.stringify(body)).digest('base64url'),
        notBefore: new Date(Date.parse(command.now) - deps.idempotencyTtlMs).toISOString(),
      };
      const outcome = await deps.store.create(command.tenant, () => createTicket(input, command), claim);
      if ('ok' in outcome) throw refusalError(outcome);
      if (outcome.kind === 'key_reused') {
        throw new ApiError(409, 'idempotency_key_reused', 'this Idempotency-Key was already used with a different body', {
          'Idempotency-Key': 'already used with a different request body',
        });
      }
      const t = outcome.ticket;
      c.header('Location', `/api/v1/tickets/${t.id}`);
      c.header('ETag', etag(t));
      if (outcome.kind === 'replayed') c.header('Idempotent-Replayed', 'true');
      return c.json(ticketJson(t), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/tickets', operationId: 'listTickets', tags: ['tickets'],
      parameters, request: { query: ListQuery },
      responses: { 200: json(TicketPage, 'a page of tickets, most recently updated first'), ...errors(400) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const command = ctx(c);
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      const query = new URL(c.req.url).search.replace(/^\?/, '');
      // One row more than the page tells whether there is a next page.
      const rows = await deps.store.list(
        command.tenant,
        { status: q.status, type: q.type, priority: q.priority, assignee: q.assignee, customerId: q.customer_id, tag: q.tag, limit: q.limit + 1, after },
        (page) => [{ action: 'listed', ctx: command, listing: { count: Math.min(page.length, q.limit), query } }],
      );
      const items = rows.slice(0, q.limit);
      const last = items[items.length - 1];
      return c.json({ items: items.map(ticketJson), next_cursor: rows.length > q.limit && last ? encodeCursor(last) : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/tickets/{id}', operationId: 'getTicket', tags: ['tickets'],
      parameters, request: { params: TicketParams },
      responses: { 200: json(TicketBody, 'the ticket'), ...errors(400, 404) },
    }),
    async (c) => {
      const command = ctx(c);
      const outcome = await deps.store.change(command.tenant, c.req.valid('param').id, (t) => readTicket(t, command));
      if ('ok' in outcome) throw refusalError(outcome);
      c.header('ETag', etag(outcome.ticket));
      return c.json(ticketJson(outcome.ticket), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch', path: '/tickets/{id}', operationId: 'updateTicket', tags: ['tickets'],
      parameters,
      request: {
        params: TicketParams,
        body: { required: true, content: { 'application/json': { schema: PatchTicketBody } } },
      },
      responses: { 200: json(TicketBody, 'the updated ticket'), ...errors(400, 404, 412, 413, 415) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const command = ctx(c);
      const patch = {
        title: body.title,
        description: body.description,
        type: body.type,
        priority: body.priority,
        customerId: body.customer_id,
        customerTier: body.customer_tier,
        tags: body.tags,
      };
      const precondition = parseIfMatch(requestHeader(c, 'if-match'));
      const outcome = await deps.store.change(command.tenant, c.req.valid('param').id, (t) => updateTicket(t, patch, precondition, command));
      if ('ok' in outcome) throw refusalError(outcome);
      c.header('ETag', etag(outcome.ticket));
      return c.json(ticketJson(outcome.ticket), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete', path: '/tickets/{id}', operationId: 'deleteTicket', tags: ['tickets'],
      parameters, request: { params: TicketParams },
      responses: { 204: { description: 'deleted; its events stay in the history' }, ...errors(400, 404, 412) },
    }),
    async (c) => {
      const command = ctx(c);
      const precondition = parseIfMatch(requestHeader(c, 'if-match'));
      const outcome = await deps.store.change(command.tenant, c.req.valid('param').id, (t) => deleteTicket(t, precondition, command));
      if ('ok' in outcome) throw refusalError(outcome);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get', path: '/tickets/{id}/history', operationId: 'ticketHistory', tags: ['tickets'],
      parameters, request: { params: TicketParams },
      responses: { 200: json(History, "the ticket's events in commit order (also after deletion)"), ...errors(400, 404) },
    }),
    async (c) => {
      const events = await deps.store.history(c.get('tenant'), c.req.valid('param').id);
      if (!events) throw new ApiError(404, 'not_found', 'ticket not found');
      const items = events.map((e) => {
        const decoded = decodePayload(e.payload);
        return {
          seq: e.seq,
          event_id: e.eventId,
          action: e.action,
          subject: e.subject,
          schema: e.schema,
          version: e.version,
          occurred_at: e.occurredAt,
          actor: e.actor,
          correlation_id: e.correlationId,
          published: e.publishedAt !== null,
          changed_fields: decoded.changedFields,
          data: decoded.ticket ? ticketJson(decoded.ticket) : null,
          ...(decoded.notification ? { notification: decoded.notification } : {}),
        };
      });
      return c.json({ items }, 200);
    },
  );

  return app;
}

/** Turns a failed schema check into one 400 naming every wrong field. */
export function validationHook(
  result: { success: true } | { success: false; error: z.ZodError; target: string },
): void {
  if (result.success) return;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[key] = key === 'status' ? 'status changes only through workflow transitions' : 'unknown field';
      continue;
    }
    const path = issue.path.join('.') || result.target;
    fields[path] ??= issue.code === 'invalid_type' && /received undefined/.test(issue.message) ? 'required' : issue.message;
  }
  const names = Object.keys(fields).join(', ');
  throw new ApiError(400, 'validation_failed', `invalid ${result.target}: ${names}`, fields);
}
