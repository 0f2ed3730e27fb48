// SPEC §2: roles, their inheritance, and what a customer may see.
import { describe, expect, it } from 'vitest';
import { canSee, effectiveRoles, hasRole, isStaff } from '../../src/domain/roles.js';

describe('role inheritance', () => {
  it.each([
    ['customer', ['customer']],
    ['agent', ['agent']],
    ['supervisor', ['supervisor', 'agent']],
    ['admin', ['admin', 'supervisor', 'agent']],
  ] as const)('a %s acts as %j', (role, expected) => {
    expect(new Set(effectiveRoles([role]))).toEqual(new Set(expected));
  });

  it('does not make an admin a customer', () => {
    expect(hasRole({ id: 'a', roles: ['admin'] }, 'customer')).toBe(false);
  });
});

describe('who sees a ticket', () => {
  const ticket = { customerId: 'cust-1' };
  it('shows every ticket to staff', () => {
    expect(canSee({ id: 'x', roles: ['agent'] }, ticket)).toBe(true);
    expect(canSee({ id: 'x', roles: ['admin'] }, { customerId: null })).toBe(true);
    expect(isStaff({ id: 'x', roles: ['supervisor'] })).toBe(true);
  });

  it('shows a customer only their own tickets', () => {
    expect(canSee({ id: 'cust-1', roles: ['customer'] }, ticket)).toBe(true);
    expect(canSee({ id: 'cust-2', roles: ['customer'] }, ticket)).toBe(false);
    expect(canSee({ id: 'cust-1', roles: ['customer'] }, { customerId: null })).toBe(false);
  });
});
