// Requests that carry a body must carry JSON of at most the body limit: 415 for another media type,
// 413 past the limit. The body is read straight from Node's request stream (no web-stream
// round trip) into Hono's body cache, where the route's validator parses it; JSON that does not
// parse becomes 400 invalid_json in the error mapping.
import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { ApiError, bodyEndedEarly } from '../errors.js';
import type { AppEnv } from '../env.js';
import { declaresBody, requestHeader } from '../requestHeader.js';

const ATTACHMENTS = /^\/api\/v1\/tickets\/[^/]+\/attachments$/;
export const JSON_MEDIA = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

export function jsonBody(limitBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () =>
    new ApiError(413, 'payload_too_large', `the request body is over ${limitBytes} bytes`, { body: `at most ${limitBytes} bytes` });
  return async (c, next) => {
    const method = c.req.method;
    if (method !== 'POST' && method !== 'PATCH' && method !== 'PUT') return next();
    const type = requestHeader(c, 'content-type');
    // No body at all is for the route to judge (a transition takes an optional body).
    if (!type && !declaresBody((name) => requestHeader(c, name))) return next();
    // Uploads stream to the object store under their own size limit.
    if (ATTACHMENTS.test(c.req.path) && /^multipart\/form-data/i.test(type ?? '')) return next();
    if (!type || !JSON_MEDIA.test(type)) {
      throw new ApiError(415, 'unsupported_media_type', 'the request body must be application/json', {
        'Content-Type': type ? `${type} is not JSON` : 'required: application/json',
      });
    }
    const declared = Number(requestHeader(c, 'content-length') ?? 0);
    if (declared > limitBytes) throw tooLarge();
    const incoming = c.env?.incoming;
    const text = incoming ? (bodyReadBefore(incoming) ?? (await readText(incoming, limitBytes))) : await c.req.text();
    if (text === undefined || Buffer.byteLength(text) > limitBytes) throw tooLarge();
    // An empty JSON body is no body: an optional one is absent, a required one misses its fields.
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(/^\s*$/.test(text) ? '{}' : text);
    return next();
  };
}

const READ_BEFORE = Symbol('ticket-svc.bodyReadBefore');
type WithBody = IncomingMessage & { [READ_BEFORE]?: string };

/** Hands a body already read from the stream (by a hot route that passes the request on) to this middleware. */
export function keepReadBody(incoming: IncomingMessage, text: string): void {
  (incoming as WithBody)[READ_BEFORE] = text;
}

function bodyReadBefore(incoming: IncomingMessage): string | undefined {
  return (incoming as WithBody)[READ_BEFORE];
}

// Bytes that are not UTF-8 are refused, not replaced: what is stored must be what was sent.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The whole body as UTF-8, or undefined as soon as it passes the limit (the rest is left unread:
 * the answer closes the connection). Rejects with bodyEndedEarly() when the client goes away.
 */
export function readText(incoming: IncomingMessage, limitBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    // Gone while the request waited for its turn (a token check, a rate limit): no close is coming.
    if (incoming.destroyed) return reject(bodyEndedEarly());
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        settle();
        incoming.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      settle();
      try {
        resolve(UTF8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
      } catch {
        reject(new ApiError(400, 'invalid_text', 'the request body is not UTF-8', { body: 'must be UTF-8' }));
      }
    };
    // Node emits `error` (ECONNRESET) on an aborted request only to a listener; `close` before `end` says the same.
    const onClose = () => {
      settle();
      reject(bodyEndedEarly());
    };
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('close', onClose);
    // Kept for good: an error after the body was read must not go unheard either.
    incoming.on('error', () => undefined);
  });
}
