// A local HTTP server standing in for a tenant's webhook endpoint: it records what arrives and
// answers what the test tells it to.
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Received = { at: number; path: string; headers: IncomingHttpHeaders; body: string };
export type Answer = { status: number; headers?: Record<string, string> };

export type Receiver = {
  url: string;
  received: Received[];
  answer: (req: Received) => Answer;
  stop(): Promise<void>;
};

export async function startReceiver(host = '127.0.0.1', answer: (req: Received) => Answer = () => ({ status: 204 })): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], answer, stop: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got = { at: performance.now(), path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.received.push(got);
      const { status, headers } = receiver.answer(got);
      res.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  receiver.url = `http://${host}:${(server.address() as AddressInfo).port}`;
  receiver.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}
