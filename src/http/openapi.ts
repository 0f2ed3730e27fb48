// Pieces every route's OpenAPI definition repeats: error responses, JSON bodies, the tenant header.
import type { z } from '@hono/zod-openapi';
import { ErrorBody } from './schemas.js';

const errorContent = { 'application/json': { schema: ErrorBody } };
const integerHeader = (description: string) => ({ description, schema: { type: 'integer' as const, minimum: 0 } });

/** With RATE_LIMIT_PER_TENANT set, every /api answer carries the RateLimit-* headers; this one also Retry-After. */
const rateLimited = {
  description: 'rate_limited: the tenant has spent its request budget (only while RATE_LIMIT_PER_TENANT is set)',
  headers: {
    'Retry-After': integerHeader('seconds until a request would be allowed (at least 1)'),
    'RateLimit-Limit': integerHeader('the burst: requests allowed at once'),
    'RateLimit-Remaining': integerHeader('requests left in the burst'),
    'RateLimit-Reset': integerHeader('seconds until the full burst is available again'),
  },
  content: errorContent,
};

export const errors = (...statuses: number[]) => ({
  ...Object.fromEntries(statuses.map((s) => [s, { description: 'error', content: errorContent }])),
  429: rateLimited,
});

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

// Documented, not validated here: the tenancy middleware checks it (and answers with its own codes).
export const tenantParameter = (tenantHeader: string) => ({
  name: tenantHeader,
  in: 'header' as const,
  required: true,
  description: 'the tenant; a safe NATS subject token',
  schema: { type: 'string' as const, pattern: '^[A-Za-z0-9_-]{1,64}$' },
});
