// Reads a request header from Node's own parsed headers when the request came through the Node
// server: asking Hono instead builds a WHATWG Headers object per request, which is measurable.
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { AppEnv } from './env.js';

export function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  return incoming ? nodeHeader(incoming, name) : c.req.header(name);
}

/** Whether a request says a body follows: a Content-Length other than 0, or a Transfer-Encoding. */
export function declaresBody(header: (name: string) => string | undefined): boolean {
  const length = header('content-length');
  return (length !== undefined && length !== '0') || header('transfer-encoding') !== undefined;
}

/** A header of Node's request; repeated headers joined as one list. */
export function nodeHeader(incoming: IncomingMessage, name: string): string | undefined {
  const value = incoming.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}
