// Who may do what: the user roles and their inheritance (supervisor inherits agent, admin inherits supervisor).
export const ROLES = ['customer', 'agent', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The caller as the domain sees them: an id and the roles they were given. */
export type Principal = { id: string; roles: readonly Role[] };

/** The roles each role also acts as. */
export const ROLE_INHERITS: Readonly<Record<Role, readonly Role[]>> = {
  customer: [],
  agent: [],
  supervisor: ['agent'],
  admin: ['supervisor'],
};

/** Every role a holder of `roles` acts as, inherited ones included. */
export function effectiveRoles(roles: readonly Role[]): ReadonlySet<Role> {
  const out = new Set<Role>();
  const visit = (role: Role): void => {
    if (out.has(role)) return;
    out.add(role);
    ROLE_INHERITS[role].forEach(visit);
  };
  roles.forEach(visit);
  return out;
}

export function hasRole(principal: Principal, role: Role): boolean {
  return effectiveRoles(principal.roles).has(role);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * A customer acts only for themselves: they see a ticket only when it is theirs. Staff roles
 * (agent and up) see every ticket of the tenant.
 */
export function canSee(principal: Principal, ticket: { customerId: string | null }): boolean {
  if (isStaff(principal)) return true;
  return ticket.customerId !== null && ticket.customerId === principal.id;
}

export function isStaff(principal: Principal): boolean {
  return hasRole(principal, 'agent');
}
