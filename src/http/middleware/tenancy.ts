// Which tenant a request is for: X-Tenant-ID (the name is configurable). Who is asking is identity.ts.
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';
import type { AppEnv } from '../env.js';

/** A tenant id becomes a NATS subject token, so only these characters are safe. */
export const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function tenancy(tenantHeader: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Named already by a live ticket (liveTicketAuth).
    if (c.get('principal')) return next();
    const tenant = c.req.header(tenantHeader);
    if (tenant === undefined || tenant === '') {
      throw new ApiError(400, 'missing_tenant', `the ${tenantHeader} header is required`, { [tenantHeader]: 'required' });
    }
    if (!TENANT_ID.test(tenant)) {
      throw new ApiError(400, 'invalid_tenant', `${tenantHeader} must be 1-64 letters, digits, '_' or '-'`, {
        [tenantHeader]: 'must match ^[A-Za-z0-9_-]{1,64}$',
      });
    }
    c.set('tenant', tenant);
    await next();
  };
}
