// GET /api/v1/tickets/{id}/sla (SPEC §12): each target of the ticket's current SLA round with its
// deadline and business minutes left, and the ticket's SLA metric events from its history.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { canSee } from '../../domain/roles.js';
import { SLA_TARGETS, businessMinutesLeft, targetsOf } from '../../domain/sla.js';
import { SLA_METRICS } from '../../domain/slaMetrics.js';
import { decodePayload } from '../../events/record.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { apiParameters, errors, json } from '../openapi.js';
import { TicketParams } from '../schemas.js';
import { validationHook } from '../validation.js';

const SlaReport = z
  .object({
    calendar: z.string().nullable().openapi({ description: 'the calendar the targets count business minutes in; null when the tier has no SLA' }),
    targets: z.array(
      z.object({
        target: z.enum(SLA_TARGETS),
        round: z.number().int().optional().openapi({ description: 'next_reply only: the round, from 1; the last is the current one' }),
        started_at: z.string(),
        due_at: z.string(),
        met_at: z.string().optional(),
        breached_at: z.string().optional(),
        paused: z.boolean(),
        business_minutes_left: z.number().openapi({ description: 'unrounded; negative past the deadline; frozen once met and while paused' }),
      }),
    ),
    events: z.array(
      z.object({
        type: z.enum(SLA_METRICS),
        target: z.enum(SLA_TARGETS),
        round: z.number().int().optional(),
        at: z.string(),
      }),
    ),
  })
  .openapi('SlaReport');

export function slaRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/tickets/{id}/sla',
      operationId: 'ticketSla',
      summary: "A ticket's SLA targets and metric events",
      tags: ['sla'],
      parameters: apiParameters(deps.tenantHeader),
      request: { params: TicketParams },
      responses: { 200: json(SlaReport, 'every target of the current round, and the SLA metric events of every round'), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const { id } = c.req.valid('param');
      const { ticket } = await deps.store.load(tenant, id);
      if (!ticket || !canSee(c.get('principal'), ticket)) throw new ApiError(404, 'not_found', 'ticket not found');
      const clock = ticket.sla;
      const now = deps.now().toISOString();
      const calendar = clock ? (await deps.settings.get(tenant)).calendarNamed(clock.calendar) : undefined;
      const targets =
        clock && calendar
          ? targetsOf(clock).map(({ name, round, target }) => ({
              target: name,
              ...(name === 'next_reply' ? { round } : {}),
              started_at: target.startedAt,
              due_at: target.dueAt,
              ...(target.metAt ? { met_at: target.metAt } : {}),
              ...(target.breachedAt ? { breached_at: target.breachedAt } : {}),
              paused: clock.pausedAt !== null && target.metAt === null && target.breachedAt === null,
              business_minutes_left: businessMinutesLeft(clock, target, calendar, now),
            }))
          : [];
      const history = (await deps.store.history(tenant, id)) ?? [];
      const events = history.flatMap((e) => {
        if (e.action !== 'sla_changed') return [];
        const metric = decodePayload(e.payload).slaChange?.metric;
        if (!metric) return [];
        return [{ type: metric.type, target: metric.target, ...(metric.target === 'next_reply' ? { round: metric.round } : {}), at: metric.at }];
      });
      return c.json({ calendar: clock?.calendar ?? null, targets, events }, 200);
    },
  );
  return app;
}
