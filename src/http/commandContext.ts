// The domain's view of one request: tenant, caller, correlation id, clock, id source and the
// tenant's settings (SLA policy, routing, severity keywords).
import type { Context } from 'hono';
import type { CommandContext } from '../domain/ticket.js';
import type { AppDeps } from './deps.js';
import type { AppEnv } from './env.js';

export async function commandContext(c: Context<AppEnv>, deps: Pick<AppDeps, 'now' | 'newId' | 'settings'>): Promise<CommandContext> {
  const tenant = c.get('tenant');
  const settings = await deps.settings.get(tenant);
  return {
    tenant,
    principal: c.get('principal'),
    correlationId: c.get('correlationId'),
    now: deps.now().toISOString(),
    newId: deps.newId,
    severityKeywords: settings.severityKeywords,
    sla: settings.sla,
    routing: settings.routing,
  };
}
