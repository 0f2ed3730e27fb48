// An HTTP answer written straight to a socket that no response object owns: a request Node could not
// parse, or a refused WebSocket handshake. The connection ends after it.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

// How long a client may keep a connection open after the server ended it.
const LINGER_MS = 2000;

export function answerOnSocket(socket: Duplex, status: number, body: string, headers: Iterable<[string, string]> = []): void {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n`;
  for (const [name, value] of headers) {
    if (name !== 'content-length' && name !== 'connection' && name !== 'content-type') head += `${name}: ${value}\r\n`;
  }
  socket.end(`${head}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  lingerThenDestroy(socket);
}

/** Lets the client close first, or cuts it off after LINGER_MS. */
export function lingerThenDestroy(socket: Duplex): void {
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
