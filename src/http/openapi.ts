// Pieces every route's OpenAPI definition repeats: error responses, JSON bodies, the tenant header.
import type { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from './env.js';
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

const stringHeader = (description: string) => ({ description, schema: { type: 'string' as const } });
/** On every answer: the request's correlation id, given or made up. */
const correlationHeader = { 'X-Correlation-ID': stringHeader('the correlation id of the request (the one given, or one made up)') };

export const errors = (...statuses: number[]) => ({
  ...Object.fromEntries(statuses.map((s) => [s, { description: 'error', headers: correlationHeader, content: errorContent }])),
  429: rateLimited,
});

/** A JSON answer; `headers` names the headers it carries besides X-Correlation-ID. */
export const json = <T extends z.ZodType>(
  schema: T,
  description: string,
  headers: Record<string, { description: string; schema: { type: 'string' } }> = {},
) => ({
  description,
  headers: { ...correlationHeader, ...headers },
  content: { 'application/json': { schema } },
});

/** The headers a ticket answer carries. */
export const ticketHeaders = {
  etag: { ETag: stringHeader("the ticket's version as an entity tag, for If-Match") },
  created: {
    ETag: stringHeader("the ticket's version as an entity tag, for If-Match"),
    Location: stringHeader("the new ticket's URL"),
    'Idempotent-Replayed': stringHeader('true when this is the first answer to the Idempotency-Key, replayed'),
  },
};

export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

const header = (name: string, description: string, schema: { type: 'string'; pattern?: string; maxLength?: number }, required = false) => ({
  name,
  in: 'header' as const,
  required,
  description,
  schema,
});

/**
 * The headers every /api request may carry. Documented, not validated here: the tenancy and identity
 * middleware check them (and answer with their own codes).
 */
export const apiParameters = (tenantHeader: string) => [
  header(tenantHeader, 'the tenant; a safe NATS subject token', { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' }, true),
  header('X-User-ID', 'header mode: the caller (default anonymous); ignored with AUTH_MODE=jwt', { type: 'string', maxLength: 128 }),
  header('X-User-Roles', 'header mode: comma list of customer, agent, supervisor, admin (default agent)', { type: 'string' }),
  header('X-Correlation-ID', 'taken when 1-128 of [A-Za-z0-9._:-], else one is made up; echoed on the answer', {
    type: 'string',
    pattern: '^[A-Za-z0-9._:-]{1,128}$',
  }),
];

/** A change guarded by the version the client last saw. */
export const ifMatchParameter = header('If-Match', 'the version the change is for: "3", W/"3", 3 or *; another is 412 version_mismatch', { type: 'string' });

export const idempotencyKeyParameter = header('Idempotency-Key', 'replays the first answer for the same key and body (409 for another body)', {
  type: 'string',
  pattern: '^[\\x21-\\x7e]{1,255}$',
});

/** How callers identify themselves, named by the document's `security`. */
export function registerSecuritySchemes(app: OpenAPIHono<AppEnv>, tenantHeader: string): void {
  const registry = app.openAPIRegistry;
  registry.registerComponent('securitySchemes', 'tenant', {
    type: 'apiKey',
    in: 'header',
    name: tenantHeader,
    description: 'the tenant every /api request is for',
  });
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'AUTH_MODE=jwt: a token with tenant, sub and roles claims',
  });
  registry.registerComponent('securitySchemes', 'userId', {
    type: 'apiKey',
    in: 'header',
    name: 'X-User-ID',
    description: 'header mode: the caller (default anonymous)',
  });
  registry.registerComponent('securitySchemes', 'userRoles', {
    type: 'apiKey',
    in: 'header',
    name: 'X-User-Roles',
    description: 'header mode: comma list of customer, agent, supervisor, admin (default agent)',
  });
}
