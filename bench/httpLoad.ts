// Drives one HTTP request shape with autocannon and returns req/s, latency percentiles and status
// counts. On its own thread the percentiles come from every raw sample; with worker threads
// (`workers`), which report no single response, from autocannon's histogram of whole milliseconds.
import autocannon, { type Options, type Request } from 'autocannon';
import { ascending, percentile } from './percentile.js';

export type LoadPlan = {
  url: string;
  connections: number;
  request: Request;
  seconds?: number;
  /** A fixed number of requests instead of a duration. */
  amount?: number;
  /** autocannon worker threads; the connections are divided among them. Undefined: this thread sends. */
  workers?: number | undefined;
};

export type LoadResult = {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Where p50 and p99 come from: raw samples (float ms) or autocannon's histogram (whole ms). */
  latencyFrom: 'samples' | 'histogram';
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
};

export async function drive(plan: LoadPlan): Promise<LoadResult> {
  const options: Options = { url: plan.url, connections: plan.connections, requests: [plan.request] };
  if (plan.seconds !== undefined) options.duration = plan.seconds;
  if (plan.amount !== undefined) options.amount = plan.amount;
  if (plan.workers !== undefined) {
    if (typeof plan.request.setupRequest === 'function' || typeof plan.request.onResponse === 'function') {
      throw new Error('a request with function callbacks cannot be sent from autocannon worker threads: give them as files');
    }
    options.workers = plan.workers;
  }
  const latencies: number[] = [];
  const instance = autocannon(options);
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const result = await instance;
  ascending(latencies);
  const threaded = plan.workers !== undefined;
  return {
    reqPerSec: result.requests.average,
    p50Ms: threaded ? result.latency.p50 : percentile(latencies, 50),
    p99Ms: threaded ? result.latency.p99 : percentile(latencies, 99),
    latencyFrom: threaded ? 'histogram' : 'samples',
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.duration,
  };
}
