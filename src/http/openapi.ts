// Pieces every route's OpenAPI definition repeats: error responses, JSON bodies, the tenant header.
import type { z } from '@hono/zod-openapi';
import { ErrorBody } from './schemas.js';

export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: 'error', content: { 'application/json': { schema: ErrorBody } } }]));

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
