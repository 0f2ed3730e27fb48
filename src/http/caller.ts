// Who a request asks as, for the command handler: its tenant, caller and correlation id.
import type { Context } from 'hono';
import type { Caller } from '../commands/commandHandler.js';
import type { AppEnv } from './env.js';

export function callerOf(c: Context<AppEnv>): Caller {
  return { tenant: c.get('tenant'), principal: c.get('principal'), correlationId: c.get('correlationId') };
}
