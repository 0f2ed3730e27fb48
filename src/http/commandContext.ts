// The domain's view of one request: tenant, caller, correlation id, clock, id source and the
// tenant's settings (SLA policy, routing, severity keywords).
import type { Context } from 'hono';
import type { Principal } from '../domain/roles.js';
import type { CommandContext } from '../domain/ticket.js';
import type { AppDeps } from './deps.js';
import type { AppEnv } from './env.js';

type ContextDeps = Pick<AppDeps, 'now' | 'newId' | 'settings'>;

export function commandContext(c: Context<AppEnv>, deps: ContextDeps): Promise<CommandContext> {
  return commandContextOf(deps, c.get('tenant'), c.get('principal'), c.get('correlationId'));
}

/** The same, from the request's parts (the hot routes have no Hono context). */
export async function commandContextOf(deps: ContextDeps, tenant: string, principal: Principal, correlationId: string): Promise<CommandContext> {
  const settings = await deps.settings.get(tenant);
  return {
    tenant,
    principal,
    correlationId,
    now: deps.now().toISOString(),
    newId: deps.newId,
    severityKeywords: settings.severityKeywords,
    sla: settings.sla,
    routing: settings.routing,
  };
}
