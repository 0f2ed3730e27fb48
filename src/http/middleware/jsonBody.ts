// Requests that carry a body must carry JSON of at most the body limit: 415 for another media type,
// 413 past the limit, 400 for bytes that are not UTF-8. The body is read from the web Request while
// counting, then handed on as a new Request (as hono/body-limit does), where the route's validator
// parses it; JSON that does not parse becomes 400 invalid_json in the error mapping.
import type { MiddlewareHandler } from 'hono';
import { declaresBody } from '../declaresBody.js';
import { ApiError, bodyEndedEarly } from '../errors.js';
import type { AppEnv } from '../env.js';

const ATTACHMENTS = /^\/api\/v1\/tickets\/[^/]+\/attachments$/;
const JSON_MEDIA = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

export function jsonBody(limitBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () =>
    new ApiError(413, 'payload_too_large', `the request body is over ${limitBytes} bytes`, { body: `at most ${limitBytes} bytes` });
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
    const text = await readText(c.req.raw, limitBytes);
    if (text === undefined) throw tooLarge();
    // An empty JSON body is no body: an optional one is absent, a required one misses its fields.
    c.req.raw = new Request(c.req.raw, { body: /^\s*$/.test(text) ? '{}' : text });
    return next();
  };
}

// Bytes that are not UTF-8 are refused, not replaced: what is stored must be what was sent.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The whole body of `request` as UTF-8, or undefined as soon as it passes the limit (the rest is
 * left unread: the answer closes the connection). Rejects with bodyEndedEarly() when the client
 * went away, before the read or during it.
 */
export async function readText(request: Request, limitBytes: number): Promise<string | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > limitBytes) return undefined;
        chunks.push(value);
      }
    } catch {
      throw bodyEndedEarly();
    } finally {
      reader.releaseLock();
    }
  }
  // A stream whose source was already gone reads as ended, not failed: the client's going shows
  // in the request's signal, or in a body shorter than it declared.
  const declared = request.headers.has('transfer-encoding') ? 0 : Number(request.headers.get('content-length') ?? 0);
  if (request.signal.aborted || size < declared) throw bodyEndedEarly();
  try {
    return UTF8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  } catch {
    throw new ApiError(400, 'invalid_text', 'the request body is not UTF-8', { body: 'must be UTF-8' });
  }
}
