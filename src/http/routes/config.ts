// /api/v1/config/{sla,routing,severity}: a tenant's own settings (admin), layered over the
// service-wide defaults. GET shows the effective values and the tenant's override.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type Routing, RoutingSchema, type Severity, SeveritySchema, type SlaOverride, SlaOverrideSchema } from '../../settings/schemas.js';
import type { SettingName, TenantSettings } from '../../settings/tenantSettings.js';
import { requireRole } from '../authorization.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { errors, json, jsonBody, tenantParameter } from '../openapi.js';
import { validationHook } from './tickets.js';

const Effective = z.object({}).passthrough().openapi('TenantSetting');

const views: Record<SettingName, (s: TenantSettings) => Record<string, unknown>> = {
  sla: (s) => ({ tiers: s.sla.policy, alert_threshold: s.sla.alertThreshold, override: s.slaOverride }),
  routing: (s) => ({ rules: s.routing?.rules ?? [], fallback: s.routing?.fallback ?? null }),
  severity: (s) => ({ keywords: s.severityKeywords }),
};

export function configRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const parameters = [tenantParameter(deps.tenantHeader)];
  const admin = (c: Context<AppEnv>) => requireRole(c.get('principal'), 'admin', 'tenant settings');

  const setting = <S extends z.ZodType<SlaOverride | Routing | Severity>>(name: SettingName, schema: S, what: string) => {
    app.openapi(
      createRoute({
        method: 'get', path: `/config/${name}`, operationId: `get_${name}_config`, tags: ['config'], parameters,
        responses: { 200: json(Effective, `the tenant's effective ${what}`), ...errors(401, 403) },
      }),
      async (c) => {
        admin(c);
        return c.json(views[name](await deps.settings.get(c.get('tenant'))), 200);
      },
    );
    app.openapi(
      createRoute({
        method: 'put', path: `/config/${name}`, operationId: `put_${name}_config`, tags: ['config'], parameters,
        request: { body: jsonBody(schema) },
        responses: { 200: json(Effective, `the tenant's effective ${what} after the change`), ...errors(400, 401, 403, 413, 415) },
      }),
      async (c) => {
        admin(c);
        // The three registrations share one handler; the schema above already validated the body.
        const value = c.req.valid('json' as never) as SlaOverride | Routing | Severity;
        const settings = await deps.settings.put(c.get('tenant'), name, value, deps.now().toISOString());
        return c.json(views[name](settings), 200);
      },
    );
  };
  setting('sla', SlaOverrideSchema, 'SLA policy (tier × priority → response and resolution minutes)');
  setting('routing', RoutingSchema, 'routing rules (priority → assignee, fallback)');
  setting('severity', SeveritySchema, 'severity keywords');
  return app;
}
