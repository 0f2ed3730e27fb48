// /api/v1/tickets/{id}/github: link a ticket to a GitHub issue, or unlink it (staff).
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { GithubIssue } from '../../domain/ticket.js';
import { linkGithubIssue } from '../../domain/ticketCommands.js';
import { callerOf } from '../caller.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { refusalError } from '../errors.js';
import { apiParameters, errors, ifMatchParameter, json, jsonBody } from '../openapi.js';
import { etag, parseIfMatch, ticketResponse } from '../representation.js';
import { GithubLinkBody, TicketBody, TicketParams } from '../schemas.js';
import { validationHook } from '../validation.js';

export function githubRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const parameters = apiParameters(deps.tenantHeader);

  const link = async (c: Context<AppEnv>, id: string, issue: GithubIssue | null) => {
    const precondition = parseIfMatch(c.req.header('if-match'));
    const outcome = await deps.commands.change(callerOf(c), id, (t, ctx) => linkGithubIssue(t, issue, precondition, ctx));
    if ('ok' in outcome) throw refusalError(outcome);
    c.header('ETag', etag(outcome.ticket));
    return ticketResponse(outcome.ticket, c.get('principal'));
  };

  app.openapi(
    createRoute({
      method: 'put',
      path: '/tickets/{id}/github',
      operationId: 'linkGithubIssue',
      summary: 'Link a GitHub issue',
      tags: ['github'],
      parameters: [...parameters, ifMatchParameter],
      request: { params: TicketParams, body: jsonBody(GithubLinkBody) },
      responses: { 200: json(TicketBody, 'the ticket, linked'), ...errors(400, 401, 403, 404, 412, 413, 415) },
    }),
    async (c) => c.json(await link(c, c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/tickets/{id}/github',
      operationId: 'unlinkGithubIssue',
      summary: 'Unlink the GitHub issue',
      tags: ['github'],
      parameters: [...parameters, ifMatchParameter],
      request: { params: TicketParams },
      responses: { 200: json(TicketBody, 'the ticket, unlinked'), ...errors(400, 401, 403, 404, 412) },
    }),
    async (c) => c.json(await link(c, c.req.valid('param').id, null), 200),
  );
  return app;
}
