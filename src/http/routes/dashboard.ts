// GET /api/v1/dashboard: counts by status, priority and SLA state, open breaches and the oldest
// open ticket; with `state`, the open tickets in that SLA state, most urgent first.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { SLA_STATES } from '../../domain/sla.js';
import { PRIORITIES } from '../../domain/fields.js';
import { STATUSES } from '../../domain/ticket.js';
import { requireRole } from '../authorization.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { errors, json, apiParameters } from '../openapi.js';
import { ticketResponse } from '../representation.js';
import { TicketBody } from '../schemas.js';
import { validationHook } from '../validation.js';

const DashboardQuery = z.strictObject({
  state: z.enum(SLA_STATES).optional(),
  offset: z.coerce.number().int('an integer').min(0, 'at least 0').max(1_000_000).default(0),
  limit: z.coerce.number().int('an integer').min(1, 'at least 1').max(100, 'at most 100').default(50),
});

const counts = z.record(z.string(), z.number().int());
const DashboardBody = z
  .object({
    counts: z.object({ status: counts, priority: counts, sla_state: counts }),
    open_breaches: z.number().int(),
    oldest_open: TicketBody.nullable(),
    tickets: z.object({ state: z.enum(SLA_STATES), offset: z.number().int(), limit: z.number().int(), items: z.array(TicketBody) }).optional(),
  })
  .openapi('Dashboard');

/** Every known key present, zero when no ticket has it, so dashboards need no special cases. */
const complete = (keys: readonly string[], found: Record<string, number>) =>
  Object.fromEntries([...keys, ...Object.keys(found)].map((k) => [k, found[k] ?? 0]));

export function dashboardRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/dashboard',
      operationId: 'dashboard',
      summary: 'The SLA dashboard',
      tags: ['sla'],
      parameters: apiParameters(deps.tenantHeader),
      request: { query: DashboardQuery },
      responses: { 200: json(DashboardBody, 'the tenant at a glance'), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const principal = c.get('principal');
      requireRole(principal, 'agent', 'the dashboard');
      const tenant = c.get('tenant');
      const q = c.req.valid('query');
      const d = await deps.store.dashboard(tenant);
      const list = q.state === undefined ? undefined : await deps.store.slaTickets(tenant, q.state, q.offset, q.limit);
      return c.json(
        {
          counts: {
            status: complete(STATUSES, d.byStatus),
            priority: complete(PRIORITIES, d.byPriority),
            sla_state: complete([...SLA_STATES, 'none'], d.bySlaState),
          },
          open_breaches: d.openBreaches,
          oldest_open: d.oldestOpen && ticketResponse(d.oldestOpen, principal),
          ...(list && q.state ? { tickets: { state: q.state, offset: q.offset, limit: q.limit, items: list.map((t) => ticketResponse(t, principal)) } } : {}),
        },
        200,
      );
    },
  );
  return app;
}
