// /api/v1/tickets/{id}/comments: the conversation. Comments live in the event store (each is a
// `commented` event), so history, replay and the stream all carry them; customers never see
// internal ones.
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { isStaff } from '../../domain/roles.js';
import type { Comment } from '../../domain/ticket.js';
import { commentTicket } from '../../domain/ticketCommands.js';
import { decodePayload } from '../../events/record.js';
import { callerOf } from '../caller.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { refusalError } from '../errors.js';
import { errors, json, jsonBody, apiParameters } from '../openapi.js';
import { commentJson, etag } from '../representation.js';
import { CommentBody, CommentList, NewComment, TicketParams } from '../schemas.js';
import { visibleHistory } from '../ticketHistory.js';
import { validationHook } from '../validation.js';

export function commentRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const parameters = apiParameters(deps.tenantHeader);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/tickets/{id}/comments',
      operationId: 'addComment',
      summary: 'Add a comment',
      tags: ['comments'],
      parameters,
      request: { params: TicketParams, body: jsonBody(NewComment) },
      responses: { 201: json(CommentBody, 'the comment'), ...errors(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      let comment: Comment | undefined;
      const outcome = await deps.commands.change(callerOf(c), c.req.valid('param').id, (t, ctx) => {
        const decision = commentTicket(t, body, ctx);
        const event = decision.ok ? decision.events[0] : undefined;
        comment = event?.action === 'commented' ? event.comment : undefined;
        return decision;
      });
      if ('ok' in outcome) throw refusalError(outcome);
      if (!comment) throw new Error('a committed comment decision carried no comment');
      c.header('ETag', etag(outcome.ticket));
      return c.json(commentJson(comment), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/tickets/{id}/comments',
      operationId: 'listComments',
      summary: 'List comments',
      tags: ['comments'],
      parameters,
      request: { params: TicketParams },
      responses: { 200: json(CommentList, 'the comments, oldest first (internal ones for staff only)'), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const principal = c.get('principal');
      const events = await visibleHistory(deps.store, c.get('tenant'), c.req.valid('param').id, principal);
      const staff = isStaff(principal);
      const items = events.flatMap((e) => {
        if (e.action !== 'commented') return [];
        const comment = decodePayload(e.payload).comment;
        return comment && (staff || !comment.internal) ? [commentJson(comment)] : [];
      });
      return c.json({ items }, 200);
    },
  );
  return app;
}
