// Requests that carry a body must carry JSON of at most the body limit: 415 for another media type,
// 413 past the limit, 400 for bytes that are not UTF-8. The body is read from Node's request while
// counting, then handed on as a new Request (as hono/body-limit does), where the route's validator
// parses it; JSON that does not parse becomes 400 invalid_json in the error mapping.
import type { MiddlewareHandler } from 'hono';
import { declaresBody } from '../declaresBody.js';
import { ApiError } from '../errors.js';
import { readRequestText, readText } from '../readBody.js';
import type { AppEnv } from '../env.js';

const ATTACHMENTS = /^\/api\/v1\/tickets\/[^/]+\/attachments$/;
const JSON_MEDIA = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

export function jsonBody(limitBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () => new ApiError(413, 'payload_too_large', `the request body is over ${limitBytes} bytes`, { body: `at most ${limitBytes} bytes` });
  return async (c, next) => {
    const method = c.req.method;
    if (method !== 'POST' && method !== 'PATCH' && method !== 'PUT') return next();
    const type = c.req.header('content-type');
    // No body at all is for the route to judge (a transition takes an optional body).
    if (!type && !declaresBody(c.req.header('content-length'), c.req.header('transfer-encoding'))) return next();
    // Uploads stream to the object store under their own size limit.
    if (ATTACHMENTS.test(c.req.path) && /^multipart\/form-data/i.test(type ?? '')) return next();
    if (!type || !JSON_MEDIA.test(type)) {
      throw new ApiError(415, 'unsupported_media_type', 'the request body must be application/json', {
        'Content-Type': type ? `${type} is not JSON` : 'required: application/json',
      });
    }
    if (Number(c.req.header('content-length') ?? 0) > limitBytes) throw tooLarge();
    // Served requests come from Node's stream; requests made in this process (the NATS API) carry theirs.
    const text = c.env?.incoming ? await readText(c.env.incoming, limitBytes) : await readRequestText(c.req.raw, limitBytes);
    if (text === undefined) throw tooLarge();
    // An empty JSON body is no body: an optional one is absent, a required one misses its fields.
    // Built from the URL, not from c.req.raw: copying the adapter's request would read its stream.
    c.req.raw = new Request(c.req.url, { method, headers: c.req.raw.headers, body: /^\s*$/.test(text) ? '{}' : text });
    return next();
  };
}
