// Who is asking, for which tenant: X-Tenant-ID (the name is configurable) and X-User-ID.
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';
import type { AppEnv } from '../env.js';
import { requestHeader } from '../requestHeader.js';

/** A tenant id becomes a NATS subject token, so only these characters are safe. */
export const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const USER_ID = /^[^\p{Cc}]{1,128}$/u;

export function tenancy(tenantHeader: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const tenant = requestHeader(c, tenantHeader);
    if (tenant === undefined || tenant === '') {
      throw new ApiError(400, 'missing_tenant', `the ${tenantHeader} header is required`, { [tenantHeader]: 'required' });
    }
    if (!TENANT_ID.test(tenant)) {
      throw new ApiError(400, 'invalid_tenant', `${tenantHeader} must be 1-64 letters, digits, '_' or '-'`, {
        [tenantHeader]: 'must match ^[A-Za-z0-9_-]{1,64}$',
      });
    }
    const actor = requestHeader(c, 'x-user-id') ?? 'anonymous';
    if (!USER_ID.test(actor)) {
      throw new ApiError(400, 'invalid_user', 'X-User-ID must be 1-128 characters without control characters', {
        'X-User-ID': 'must be 1-128 characters without control characters',
      });
    }
    c.set('tenant', tenant);
    c.set('actor', actor);
    await next();
  };
}
