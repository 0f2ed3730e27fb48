// Requests that carry a body must carry JSON: 415 for another media type, 400 for JSON that does not parse.
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';
import type { AppEnv } from '../env.js';

const JSON_MEDIA = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

export function jsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method;
    if (method !== 'POST' && method !== 'PATCH' && method !== 'PUT') return next();
    const type = c.req.header('content-type');
    if (!type || !JSON_MEDIA.test(type)) {
      throw new ApiError(415, 'unsupported_media_type', 'the request body must be application/json', {
        'Content-Type': type ? `${type} is not JSON` : 'required: application/json',
      });
    }
    try {
      // Hono caches the parsed body, so the route's validator reads it without parsing twice.
      await c.req.json();
    } catch {
      throw new ApiError(400, 'invalid_json', 'the request body is not valid JSON', { body: 'not valid JSON' });
    }
    return next();
  };
}
