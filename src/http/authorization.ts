// Role checks for routes that only some roles may use (settings, dashboard).
import { type Principal, type Role, hasRole } from '../domain/roles.js';
import { ApiError } from './errors.js';

export function requireRole(principal: Principal, role: Role, what: string): void {
  if (hasRole(principal, role)) return;
  throw new ApiError(403, 'role_not_allowed', `${what} needs the role ${role}`, { roles: `needs ${role}` });
}
