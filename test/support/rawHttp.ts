// HTTP/1.1 written by hand on a TCP socket: the requests fetch refuses to send (cut bodies, endless
// bodies, oversized header blocks, malformed handshakes), and what came back; and plain requests on
// a connection of their own, which fetch's pooled connections cannot be.
import http from 'node:http';
import { connect } from 'node:net';

export type RawAnswer = {
  /** The status of the answer, when one arrived before the connection closed. */
  status: number | undefined;
  headers: Record<string, string>;
  body: string;
  /** Body bytes written before the first byte of the answer arrived (all of them when none did). */
  sentBeforeAnswer: number;
  /** Whether the server let go of the connection (rather than the client giving up after `timeoutMs`). */
  closedByServer: boolean;
};

export type RawSend = {
  /** What follows the head: a fixed part, or chunks pumped until the answer comes (at most `cap` bytes). */
  body?: string | { chunk: Buffer; cap: number };
  /** After writing: `destroy` aborts, `end` half-closes, `hold` keeps the socket open and silent. */
  afterBody?: 'destroy' | 'end' | 'hold';
  /** Gives up (and closes) after this many ms without the server closing first. */
  timeoutMs?: number;
  /**
   * After the server's end, keep this side open and wait until the server lets go of the
   * connection (a write refused); otherwise end this side at once, as most clients do.
   */
  untilReleased?: boolean;
};

export function rawRequest(
  port: number,
  head: string,
  { body = '', afterBody = 'hold', timeoutMs = 30_000, untilReleased = false }: RawSend = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    // Half-open: the server's end does not close this side. Whether the server then lets go of the
    // connection shows when a write is refused (a reset), so a server that never does shows too.
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('end', () => {
      if (!untilReleased) return void socket.end();
      const probe = setInterval(() => socket.write('x'), 200);
      socket.once('close', () => clearInterval(probe));
    });
    const received: Buffer[] = [];
    let sent = 0;
    let answeredAt: number | undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (data: Buffer) => {
      answeredAt ??= sent;
      received.push(data);
    });
    socket.on('error', () => undefined);
    socket.on('close', (hadError) => {
      clearTimeout(timer);
      // Waiting for the release, an error is the server's reset; the client giving up closes without one.
      const released = untilReleased ? hadError : !timedOut;
      resolve({ ...parseAnswer(Buffer.concat(received).toString('utf8'), answeredAt ?? sent), closedByServer: released });
    });
    socket.write(head);
    if (typeof body === 'string') {
      socket.write(body);
      sent += Buffer.byteLength(body);
      if (afterBody === 'destroy') setTimeout(() => socket.destroy(), 50);
      else if (afterBody === 'end') socket.end();
      return;
    }
    // Chunked transfer encoding, written as fast as the server takes it, until it answers.
    const framed = Buffer.concat([Buffer.from(`${body.chunk.length.toString(16)}\r\n`), body.chunk, Buffer.from('\r\n')]);
    const pump = () => {
      while (answeredAt === undefined && sent < body.cap && !socket.destroyed) {
        sent += body.chunk.length;
        if (!socket.write(framed)) return void socket.once('drain', pump);
      }
      if (answeredAt === undefined && !socket.destroyed) socket.end('0\r\n\r\n');
    };
    pump();
  });
}

function parseAnswer(text: string, sentBeforeAnswer: number): Omit<RawAnswer, 'closedByServer'> {
  const split = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/1.1 ') || split < 0) return { status: undefined, headers: {}, body: text, sentBeforeAnswer };
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  const rest = text.slice(split + 4);
  // A later answer on the same connection (a timeout after a first answer) is not part of this one.
  const length = headers['content-length'] === undefined ? rest.length : Number(headers['content-length']);
  return { status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(0, length), sentBeforeAnswer };
}

/** One request on a connection of its own (so that a cluster may hand it to any API worker); tenant `acme` unless headers say otherwise. */
export function onNewConnection(url: string, path: string, init: { method: string; headers: Record<string, string>; body?: unknown }) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    const req = http.request(
      `${url}${path}`,
      {
        method: init.method,
        agent: false,
        headers: { 'X-Tenant-ID': 'acme', ...(body ? { 'Content-Type': 'application/json' } : {}), ...init.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
