// /api/v1/config/{sla,routing,severity,calendars}: a tenant's own settings (admin), layered over
// the service-wide defaults. GET shows the effective values and the tenant's override.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { CUSTOMER_TIERS, type CustomerTier, PRIORITIES, type Priority } from '../../domain/fields.js';
import { type Routing, RoutingSchema, type Severity, SeveritySchema, type SlaOverride, SlaOverrideSchema, SlaTargetsSchema } from '../../settings/schemas.js';
import type { SettingName, TenantSettings } from '../../settings/tenantSettings.js';
import { ALWAYS_OPEN_NAME } from '../../domain/calendar.js';
import { type CalendarsBody, CalendarsSchema } from '../../settings/calendarSchema.js';
import { splitTiers } from '../../settings/slaLayers.js';
import { ApiError } from '../errors.js';
import { requireRole } from '../authorization.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { errors, json, jsonBody, apiParameters } from '../openapi.js';
import { validationHook } from '../validation.js';

const targetsByPriority = z.object(Object.fromEntries(PRIORITIES.map((p) => [p, SlaTargetsSchema])) as Record<Priority, typeof SlaTargetsSchema>);

/** What GET and PUT answer for each setting: the effective values (and, for the SLA, the tenant's own layer). */
const EFFECTIVE = {
  sla: z
    .object({
      tiers: z.object(
        Object.fromEntries(CUSTOMER_TIERS.map((t) => [t, z.union([targetsByPriority, z.null()])])) as Record<
          CustomerTier,
          z.ZodUnion<[typeof targetsByPriority, z.ZodNull]>
        >,
      ),
      calendars: z
        .object(Object.fromEntries(CUSTOMER_TIERS.map((t) => [t, z.string()])) as Record<CustomerTier, z.ZodString>)
        .openapi({ description: 'the calendar each tier counts business minutes in' }),
      alert_threshold: z.number(),
      override: z.union([SlaOverrideSchema, z.null()]),
    })
    .openapi('SlaConfig'),
  calendars: CalendarsSchema,
  routing: z
    .object({ rules: z.array(z.object({ priority: z.enum(PRIORITIES), assignee: z.string() })), fallback: z.union([z.string(), z.null()]) })
    .openapi('RoutingConfig'),
  severity: z.object({ keywords: z.array(z.string()) }).openapi('SeverityConfig'),
} satisfies Record<SettingName, z.ZodType>;

type SettingValue = SlaOverride | Routing | Severity | CalendarsBody;

const views: { [N in SettingName]: (s: TenantSettings) => z.infer<(typeof EFFECTIVE)[N]> } = {
  sla: (s) => ({ tiers: s.sla.policy, calendars: s.tierCalendars, alert_threshold: s.sla.alertThreshold, override: s.slaOverride }),
  calendars: (s) => ({ calendars: s.calendars as CalendarsBody['calendars'] }),
  routing: (s) => ({ rules: [...(s.routing?.rules ?? [])], fallback: s.routing?.fallback ?? null }),
  severity: (s) => ({ keywords: [...s.severityKeywords] }),
};

export function configRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const parameters = apiParameters(deps.tenantHeader);
  const admin = (c: Context<AppEnv>) => requireRole(c.get('principal'), 'admin', 'tenant settings');

  const capitalized = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}`;
  const getRoute = (name: SettingName, what: string) =>
    createRoute({
      method: 'get',
      path: `/config/${name}`,
      operationId: `get${capitalized(name)}Config`,
      summary: `Read the tenant's ${what}`,
      tags: ['config'],
      parameters,
      responses: { 200: json(EFFECTIVE[name], `the tenant's effective ${what}`), ...errors(401, 403) },
    });
  const putRoute = <S extends z.ZodType<SettingValue>>(name: SettingName, schema: S, what: string) =>
    createRoute({
      method: 'put',
      path: `/config/${name}`,
      operationId: `put${capitalized(name)}Config`,
      summary: `Change the tenant's ${what}`,
      tags: ['config'],
      parameters,
      request: { body: jsonBody(schema) },
      responses: { 200: json(EFFECTIVE[name], `the tenant's effective ${what} after the change`), ...errors(400, 401, 403, 413, 415) },
    });
  const show = async (c: Context<AppEnv>, name: SettingName) => {
    admin(c);
    return views[name](await deps.settings.get(c.get('tenant')));
  };
  const change = async (c: Context<AppEnv>, name: SettingName, value: SettingValue) => {
    admin(c);
    const tenant = c.get('tenant');
    if (name === 'sla' || name === 'calendars') checkCalendarNames(await deps.settings.get(tenant), name, value);
    return views[name](await deps.settings.put(c.get('tenant'), name, value, deps.now().toISOString()));
  };

  const sla = "SLA policy (tier × priority → response, next_reply and resolution business minutes; each tier's calendar)";
  app.openapi(getRoute('sla', sla), async (c) => c.json(await show(c, 'sla'), 200));
  app.openapi(putRoute('sla', SlaOverrideSchema, sla), async (c) => c.json(await change(c, 'sla', c.req.valid('json')), 200));
  const calendars = 'business-hours calendars (24x7 is built in)';
  app.openapi(getRoute('calendars', calendars), async (c) => c.json(await show(c, 'calendars'), 200));
  app.openapi(putRoute('calendars', CalendarsSchema, calendars), async (c) => c.json(await change(c, 'calendars', c.req.valid('json')), 200));
  const routing = 'routing rules (priority → assignee, fallback)';
  app.openapi(getRoute('routing', routing), async (c) => c.json(await show(c, 'routing'), 200));
  app.openapi(putRoute('routing', RoutingSchema, routing), async (c) => c.json(await change(c, 'routing', c.req.valid('json')), 200));
  const severity = 'severity keywords';
  app.openapi(getRoute('severity', severity), async (c) => c.json(await show(c, 'severity'), 200));
  app.openapi(putRoute('severity', SeveritySchema, severity), async (c) => c.json(await change(c, 'severity', c.req.valid('json')), 200));
  return app;
}

/**
 * Every calendar an SLA tier names must exist: PUT /config/sla may name only calendars the tenant
 * has, and PUT /config/calendars may not drop one a tier still names.
 */
function checkCalendarNames(current: TenantSettings, name: 'sla' | 'calendars', value: SettingValue): void {
  if (name === 'sla') {
    const named = splitTiers((value as SlaOverride).tiers).calendars;
    const fields: Record<string, string> = {};
    for (const [tier, calendar] of Object.entries(named)) {
      if (!Object.hasOwn(current.calendars, calendar))
        fields[`tiers.${tier}.calendar`] = `unknown calendar ${JSON.stringify(calendar)}; PUT it to /config/calendars first`;
    }
    if (Object.keys(fields).length > 0) throw new ApiError(400, 'validation_failed', `invalid json: ${Object.keys(fields).join(', ')}`, fields);
    return;
  }
  const available = { ...current.sharedCalendars, ...(value as CalendarsBody).calendars, [ALWAYS_OPEN_NAME]: true };
  const dropped = Object.entries(current.tierCalendars).filter(([, calendar]) => !Object.hasOwn(available, calendar));
  if (dropped.length === 0) return;
  const message = dropped.map(([tier, calendar]) => `calendar ${JSON.stringify(calendar)} is named by SLA tier ${tier}`).join('; ');
  throw new ApiError(400, 'validation_failed', `invalid json: calendars (${message})`, { calendars: `${message}; change /config/sla first` });
}
