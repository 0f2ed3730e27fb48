// SPEC §2: a tenant id becomes a NATS subject token, so only ^[A-Za-z0-9_-]{1,64}$ is accepted.
import { describe, expect, it } from 'vitest';
import { TENANT_ID } from '../../src/http/middleware/tenancy.js';

describe('which tenant ids are accepted', () => {
  it.each(['acme', 'ACME', 'tenant_01', 'eu-west-2', '7', '_', 'a'.repeat(64)])('accepts %j', (tenant) => {
    expect(TENANT_ID.test(tenant)).toBe(true);
  });

  it.each([
    ['a dot, which would split the subject', 'acme.eu'],
    ['a single-token wildcard', '*'],
    ['a full wildcard', '>'],
    ['a wildcard inside', 'acme*'],
    ['a space', 'ac me'],
    ['the empty string', ''],
    ['65 characters', 'a'.repeat(65)],
    ['a trailing newline', 'acme\n'],
    ['a slash', 'acme/eu'],
    ['a non-ASCII letter', 'café'],
  ])('rejects %s', (_why, tenant) => {
    expect(TENANT_ID.test(tenant)).toBe(false);
  });
});
