// The Node HTTP server the app runs on: how long a client may take to send a request, and a JSON
// answer (not Node's bare status line) for a request Node itself cannot parse or waited too long for.
import { type IncomingMessage, type RequestListener, type Server, type ServerResponse, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ApiError, errorBody } from './errors.js';
import { declaresBody } from './declaresBody.js';
import { answerOnSocket, lingerThenDestroy } from './socketAnswer.js';

export type NodeServerOptions = {
  /** The whole request, headers and body, must arrive within this many ms. */
  requestTimeoutMs: number;
  log: Logger;
};

export function createNodeServer(listener: RequestListener, { requestTimeoutMs, log }: NodeServerOptions): Server {
  // Where a response is under way, a parse error must not write a second one into it.
  const answering = new WeakMap<Duplex, ServerResponse>();
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(requestTimeoutMs, 60_000),
      // Node looks for overdue requests this often; the default (30 s) would let a short timeout run long.
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(requestTimeoutMs / 4))),
    },
    (req: IncomingMessage, res: ServerResponse) => {
      answering.set(req.socket, res);
      // Answered before its body was all read (over a limit, refused early, a body the route never
      // reads): the rest is not read, the connection ends.
      if (declaresBody(req.headers['content-length'], req.headers['transfer-encoding'])) {
        res.once('finish', () => {
          if (!req.complete) closeWithoutReading(req, req.socket);
        });
      }
      return listener(req, res);
    },
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const res = answering.get(socket);
    const midResponse = res?.headersSent && !res.writableEnded;
    if (error.code === 'ECONNRESET' || !socket.writable || midResponse) {
      socket.destroy();
      return;
    }
    const refused = clientErrorOf(error);
    log.info({ operation: 'http', status: refused.status, code: refused.code, reason: error.code }, 'request refused before routing');
    refuseOnSocket(socket, refused);
  });
  return server;
}

/**
 * Hands WebSocket handshakes to `inject` (the WebSocket adapter's own upgrade handling) once they
 * are well-formed; a malformed one is answered here in JSON, where the adapter would answer in HTML.
 */
export function gateWebSocketHandshakes(server: Server, inject: (target: Server) => void): void {
  // The adapter's own `upgrade` listeners, taken off the server and called from the gate.
  const others = new Set(server.listeners('upgrade'));
  inject(server);
  const adapter = server.listeners('upgrade').filter((listener) => !others.has(listener));
  for (const listener of adapter) server.off('upgrade', listener as (...args: unknown[]) => void);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that goes away mid-handshake is no one's error; without a listener it would end the process.
    socket.on('error', () => undefined);
    // The adapter parses the target as a URL where nothing would catch its failure.
    if (!req.url?.startsWith('/') || !URL.canParse(req.url, 'http://localhost')) {
      return refuseOnSocket(socket, new ApiError(400, 'invalid_handshake', 'the request target is not a path', { path: 'must be a path' }));
    }
    const key = req.headers['sec-websocket-key'];
    const version = req.headers['sec-websocket-version'];
    if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      return refuseOnSocket(socket, new ApiError(400, 'invalid_handshake', 'only WebSocket upgrades are served', { Upgrade: 'must be websocket' }));
    }
    if (typeof key !== 'string' || !WEBSOCKET_KEY.test(key)) {
      return refuseOnSocket(
        socket,
        new ApiError(400, 'invalid_handshake', 'Sec-WebSocket-Key must be 16 bytes in base64', { 'Sec-WebSocket-Key': '16 bytes in base64' }),
      );
    }
    if (version !== '13' && version !== '8') {
      return refuseOnSocket(socket, new ApiError(400, 'invalid_handshake', 'Sec-WebSocket-Version must be 13', { 'Sec-WebSocket-Version': 'must be 13' }));
    }
    for (const listener of adapter) Reflect.apply(listener, server, [req, socket, head]);
  });
}

// RFC 6455 §4.1: a base64 encoding of 16 bytes.
const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;

/** An error answered on a socket no response object owns, then the connection closed. */
function refuseOnSocket(socket: Duplex, refused: ApiError): void {
  answerOnSocket(socket, refused.status, JSON.stringify(errorBody(refused, undefined)));
}

/**
 * Ends the connection after an answer given before the request body was all read, leaving the
 * rest unread. Closing a socket with unread bytes resets it, and a reset can destroy the answer
 * before the client reads it; so the server sends its end, stops reading, and lets the client
 * close first (or cuts it off after LINGER_MS).
 */
function closeWithoutReading(req: IncomingMessage, socket: Duplex): void {
  // Node resumes a request nobody read once its answer is sent, to drain it for the next one.
  req.pause();
  socket.end();
  lingerThenDestroy(socket);
}

function clientErrorOf(error: NodeJS.ErrnoException): ApiError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError(431, 'headers_too_large', 'the request headers are over the server limit', { headers: 'too large' });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return new ApiError(408, 'request_timeout', 'the request did not arrive in time', { body: 'incomplete' });
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new ApiError(413, 'payload_too_large', 'the chunk extensions are over the server limit');
    default:
      return new ApiError(400, 'malformed_request', 'the request is not well-formed HTTP/1.1');
  }
}
