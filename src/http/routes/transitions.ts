// /api/v1/tickets/{id}/transitions: what the caller may fire now, and firing one.
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { isStaff } from '../../domain/roles.js';
import { readTicket, transitionTicket } from '../../domain/ticketCommands.js';
import { TICKET_NET, TRANSITION_NAMES, type TransitionDef, availableTransitions, isEnabled, markingOf, mayFire } from '../../domain/workflow.js';
import { callerOf } from '../caller.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { refusalError } from '../errors.js';
import { apiParameters, errors, ifMatchParameter, json, jsonBody, ticketHeaders } from '../openapi.js';
import { etag, parseIfMatch, ticketResponse } from '../representation.js';
import { TicketBody, TicketParams, TransitionBody, TransitionList, TransitionParams } from '../schemas.js';
import { validationHook } from '../validation.js';

export function transitionRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const parameters = apiParameters(deps.tenantHeader);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/tickets/{id}/transitions',
      operationId: 'ticketTransitions',
      summary: "A ticket's enabled transitions",
      tags: ['workflow'],
      parameters,
      request: { params: TicketParams },
      responses: { 200: json(TransitionList, "the transitions enabled in the ticket's place, and which the caller may fire"), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const principal = c.get('principal');
      // An audited read like GET /tickets/{id}.
      const outcome = await deps.commands.change(callerOf(c), c.req.valid('param').id, readTicket);
      if ('ok' in outcome) throw refusalError(outcome);
      const marking = markingOf(outcome.ticket.status);
      const staff = isStaff(principal);
      const transitions = TRANSITION_NAMES.filter((name) => isEnabled(marking, name)).map((name) => {
        const def: TransitionDef = TICKET_NET.transitions[name];
        return { name, to: def.outputs[0]!, roles: [...def.roles], allowed: mayFire(principal, name) };
      });
      c.header('ETag', etag(outcome.ticket));
      return c.json(
        {
          status: outcome.ticket.status,
          enabled_transitions: availableTransitions(marking, principal),
          // Customers see only what they can do; staff also see what others could.
          transitions: staff ? transitions : transitions.filter((t) => t.allowed),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/tickets/{id}/transitions/{name}',
      operationId: 'fireTransition',
      summary: 'Fire a workflow transition',
      tags: ['workflow'],
      parameters: [...parameters, ifMatchParameter],
      request: { params: TransitionParams, body: { ...jsonBody(TransitionBody), required: false } },
      responses: {
        200: json(TicketBody, 'the ticket after the transition', ticketHeaders.etag),
        ...errors(400, 401, 403, 404, 409, 412, 413, 415),
      },
    }),
    async (c) => {
      const { id, name } = c.req.valid('param');
      const body = c.req.valid('json') ?? {};
      const precondition = parseIfMatch(c.req.header('if-match'));
      const outcome = await deps.commands.change(callerOf(c), id, (t, ctx) =>
        transitionTicket(t, name, { assignee: body.assignee, comment: body.comment }, precondition, ctx),
      );
      if ('ok' in outcome) throw refusalError(outcome);
      c.header('ETag', etag(outcome.ticket));
      return c.json(ticketResponse(outcome.ticket, c.get('principal')), 200);
    },
  );

  return app;
}
