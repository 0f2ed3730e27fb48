// Reading a request body from Node's request stream while counting it against a limit. The served
// app reaches the stream through @hono/node-server's documented bindings (`c.env.incoming`); a
// web-stream round trip per request is what this avoids.
import type { IncomingMessage } from 'node:http';
import { ApiError, bodyEndedEarly } from './errors.js';

// Bytes that are not UTF-8 are refused, not replaced: what is stored must be what was sent.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as UTF-8 text; 400 invalid_text for bytes that are not. */
export function utf8Text(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_text', 'the request body is not UTF-8', { body: 'must be UTF-8' });
  }
}

/** A request made in this process (the NATS API's): its body, already in memory, against the same limit. */
export async function readRequestText(request: Request, limitBytes: number): Promise<string | undefined> {
  const bytes = new Uint8Array(await request.arrayBuffer());
  return bytes.length > limitBytes ? undefined : utf8Text(bytes);
}

/**
 * The whole body as UTF-8, or undefined as soon as it passes the limit (the rest is left unread:
 * the answer closes the connection). Rejects with bodyEndedEarly() when the client goes away,
 * before the read or during it.
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
        resolve(utf8Text(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
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
