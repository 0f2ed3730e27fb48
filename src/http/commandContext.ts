// The domain's view of one request: tenant, caller, correlation id, clock and id source.
import type { Context } from 'hono';
import type { CommandContext } from '../domain/ticket.js';
import type { AppDeps } from './deps.js';
import type { AppEnv } from './env.js';

export function commandContext(c: Context<AppEnv>, deps: Pick<AppDeps, 'now' | 'newId' | 'severityKeywords'>): CommandContext {
  return {
    tenant: c.get('tenant'),
    principal: c.get('principal'),
    correlationId: c.get('correlationId'),
    now: deps.now().toISOString(),
    newId: deps.newId,
    severityKeywords: deps.severityKeywords,
  };
}
