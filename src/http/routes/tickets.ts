// /api/v1/tickets: create, get (also as it was), list, patch, delete and history. Routes parse,
// call the domain, map the outcome.
import { createHash } from 'node:crypto';
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { ticketAt, parsePointInTime } from '../../domain/history.js';
import { searchWords } from '../../domain/search.js';
import { isStaff } from '../../domain/roles.js';
import { createTicket, deleteTicket, readTicket, updateTicket } from '../../domain/ticketCommands.js';
import { decodePayload, historicEvent } from '../../events/record.js';
import { callerOf } from '../caller.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ApiError, refusalError } from '../errors.js';
import { apiParameters, errors, idempotencyKeyParameter, ifMatchParameter, json, jsonBody, ticketHeaders } from '../openapi.js';
import { attachmentJson, commentJson, decodeCursor, encodeCursor, etag, parseIfMatch, ticketJson, ticketResponse } from '../representation.js';
import { visibleHistory } from '../ticketHistory.js';
import { newTicketOf, ticketPatchOf } from '../ticketInput.js';
import { validationHook } from '../validation.js';
import { CreateTicketBody, History, ListQuery, PatchTicketBody, TicketBody, TicketPage, TicketParams, TicketQuery } from '../schemas.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function ticketRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const parameters = apiParameters(deps.tenantHeader);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/tickets',
      operationId: 'createTicket',
      summary: 'Create a ticket',
      tags: ['tickets'],
      parameters: [...parameters, idempotencyKeyParameter],
      request: { body: jsonBody(CreateTicketBody) },
      responses: {
        201: json(TicketBody, 'created (or replayed for a repeated Idempotency-Key)', ticketHeaders.created),
        ...errors(400, 401, 403, 409, 413, 415),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const key = c.req.header('idempotency-key');
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
        throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1-255 visible ASCII characters', {
          'Idempotency-Key': '1-255 visible ASCII characters',
        });
      }
      const claim =
        key === undefined
          ? undefined
          : {
              key,
              fingerprint: createHash('sha256').update(JSON.stringify(body)).digest('base64url'),
              notBefore: new Date(deps.now().getTime() - deps.idempotencyTtlMs).toISOString(),
            };
      const input = newTicketOf(body);
      const outcome = await deps.commands.create(callerOf(c), (ctx) => createTicket(input, ctx), claim);
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
      return c.json(ticketResponse(t, c.get('principal')), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/tickets',
      operationId: 'listTickets',
      summary: 'List tickets',
      tags: ['tickets'],
      parameters,
      request: { query: ListQuery },
      responses: { 200: json(TicketPage, 'a page of tickets, most recently updated first'), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const principal = c.get('principal');
      // A customer lists only their own tickets.
      let customerId = q.customer_id;
      if (!isStaff(principal)) {
        if (customerId !== undefined && customerId !== principal.id) {
          throw new ApiError(403, 'forbidden', 'a customer lists only their own tickets', { customer_id: 'must be your own id or absent' });
        }
        customerId = principal.id;
      }
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      const words = q.q === undefined ? undefined : searchWords(q.q);
      if (words?.length === 0) throw new ApiError(400, 'validation_failed', 'q has no word to search for', { q: 'needs at least one letter or digit' });
      const query = new URL(c.req.url).search.replace(/^\?/, '');
      // One row more than the page tells whether there is a next page.
      const rows = await deps.commands.list(
        callerOf(c),
        {
          status: q.status,
          type: q.type,
          priority: q.priority,
          assignee: q.assignee,
          customerId,
          tag: q.tag,
          slaState: q.sla_state,
          search: words,
          limit: q.limit + 1,
          after,
        },
        (page, ctx) => [{ action: 'listed', actor: ctx.principal.id, listing: { count: Math.min(page.length, q.limit), query } }],
      );
      const items = rows.slice(0, q.limit);
      const last = items[items.length - 1];
      return c.json({ items: items.map((t) => ticketResponse(t, principal)), next_cursor: rows.length > q.limit && last ? encodeCursor(last) : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/tickets/{id}',
      operationId: 'getTicket',
      summary: 'Get a ticket (or a past version)',
      tags: ['tickets'],
      parameters,
      request: { params: TicketParams, query: TicketQuery },
      responses: { 200: json(TicketBody, 'the ticket (as it stood at `at` when given)', ticketHeaders.etag), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const principal = c.get('principal');
      const { id } = c.req.valid('param');
      const { at } = c.req.valid('query');
      if (at !== undefined) {
        const point = parsePointInTime(at);
        if (!point)
          throw new ApiError(400, 'invalid_at', 'at must be a version number (1, 2, ...) or an RFC 3339 timestamp', {
            at: 'a version or an RFC 3339 timestamp',
          });
        const events = await visibleHistory(deps.store, c.get('tenant'), id, principal);
        const then = ticketAt(events.map(historicEvent), point);
        if (!then) throw new ApiError(404, 'not_found', 'the ticket did not exist at that point');
        c.header('ETag', etag(then));
        return c.json(ticketResponse(then, principal), 200);
      }
      const outcome = await deps.commands.change(callerOf(c), id, readTicket);
      if ('ok' in outcome) throw refusalError(outcome);
      c.header('ETag', etag(outcome.ticket));
      return c.json(ticketResponse(outcome.ticket, principal), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/tickets/{id}',
      operationId: 'updateTicket',
      summary: 'Update a ticket',
      tags: ['tickets'],
      parameters: [...parameters, ifMatchParameter],
      request: {
        params: TicketParams,
        body: jsonBody(PatchTicketBody),
      },
      responses: { 200: json(TicketBody, 'the updated ticket', ticketHeaders.etag), ...errors(400, 401, 403, 404, 412, 413, 415) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const patch = ticketPatchOf(body);
      const precondition = parseIfMatch(c.req.header('if-match'));
      const outcome = await deps.commands.change(callerOf(c), c.req.valid('param').id, (t, ctx) => updateTicket(t, patch, precondition, ctx));
      if ('ok' in outcome) throw refusalError(outcome);
      c.header('ETag', etag(outcome.ticket));
      return c.json(ticketResponse(outcome.ticket, c.get('principal')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/tickets/{id}',
      operationId: 'deleteTicket',
      summary: 'Delete a ticket',
      tags: ['tickets'],
      parameters: [...parameters, ifMatchParameter],
      request: { params: TicketParams },
      responses: { 204: { description: 'deleted; its events stay in the history' }, ...errors(400, 401, 403, 404, 412) },
    }),
    async (c) => {
      const precondition = parseIfMatch(c.req.header('if-match'));
      const outcome = await deps.commands.change(callerOf(c), c.req.valid('param').id, (t, ctx) => deleteTicket(t, precondition, ctx));
      if ('ok' in outcome) throw refusalError(outcome);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/tickets/{id}/history',
      operationId: 'ticketHistory',
      summary: "A ticket's history",
      tags: ['tickets'],
      parameters,
      request: { params: TicketParams },
      responses: { 200: json(History, "the ticket's events in commit order (also after deletion)"), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const principal = c.get('principal');
      const events = await visibleHistory(deps.store, c.get('tenant'), c.req.valid('param').id, principal);
      const staff = isStaff(principal);
      const items = events.flatMap((e) => {
        const decoded = decodePayload(e.payload);
        // Customers never see internal comments, here or anywhere.
        if (!staff && decoded.comment?.internal) return [];
        return [
          {
            seq: e.seq,
            event_id: e.eventId,
            action: e.action,
            subject: e.subject,
            schema: e.schema,
            version: e.version,
            occurred_at: e.occurredAt,
            actor: e.actor,
            correlation_id: e.correlationId,
            published: e.published,
            changed_fields: decoded.changedFields,
            data: decoded.ticket ? ticketJson(decoded.ticket) : null,
            ...(decoded.notification ? { notification: decoded.notification } : {}),
            ...(decoded.transition ? { transition: decoded.transition } : {}),
            ...(decoded.comment ? { comment: commentJson(decoded.comment) } : {}),
            ...(decoded.attachment ? { attachment: attachmentJson(decoded.attachment) } : {}),
          },
        ];
      });
      return c.json({ items }, 200);
    },
  );

  return app;
}
