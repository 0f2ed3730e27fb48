// Routes only some roles may use (admin settings, the audit log): 403 role_not_allowed for the rest.
import type { MiddlewareHandler } from 'hono';
import { type Role, hasRole } from '../../domain/roles.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';

export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!hasRole(c.get('principal'), role)) {
      throw new ApiError(403, 'role_not_allowed', `this needs the ${role} role`, { roles: `needs ${role}` });
    }
    await next();
  };
}
