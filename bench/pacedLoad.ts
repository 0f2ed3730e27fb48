// An evenly paced load: requests go out on a 1 ms clock at the planned rate (autocannon's
// overallRate releases each connection's quota in bursts once a second).
import http from 'node:http';
import { sleep } from './childProcess.js';
import { CREATE_BODY, TENANT } from './ticketRequests.js';

export type PacedResult = { reqPerSec: number; ok: number; non2xx: number; errors: number };

/**
 * POSTs creates at `rate`/s for `seconds`; `onResponse` gets each answer's status, body, arrival
 * time and latency: from when the request was handed to the client, so time waiting for a free
 * socket counts, as it would for any caller.
 */
export async function pacedCreates(plan: {
  url: string;
  rate: number;
  seconds: number;
  onResponse: (status: number, body: string, at: number, latencyMs: number) => void;
}): Promise<PacedResult> {
  const target = new URL('/api/v1/tickets', plan.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const headers = { 'x-tenant-id': TENANT, 'content-type': 'application/json', 'content-length': Buffer.byteLength(CREATE_BODY) };
  const result = { ok: 0, non2xx: 0, errors: 0 };
  const inFlight = new Set<Promise<void>>();
  const send = () => {
    const done = new Promise<void>((resolve) => {
      const sentAt = performance.now();
      const req = http.request({ agent, method: 'POST', host: target.hostname, port: target.port, path: target.pathname, headers }, (res) => {
        const at = performance.now();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) result.ok++;
          else result.non2xx++;
          plan.onResponse(status, Buffer.concat(chunks).toString(), at, at - sentAt);
          resolve();
        });
      });
      req.on('error', () => {
        result.errors++;
        resolve();
      });
      req.end(CREATE_BODY);
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  const total = Math.round(plan.rate * plan.seconds);
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * plan.rate) / 1000));
    for (; sent < due; sent++) send();
    await sleep(1);
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { reqPerSec: (result.ok / (performance.now() - started)) * 1000, ...result };
}
