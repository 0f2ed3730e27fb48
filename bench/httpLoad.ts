// Drives one HTTP request shape with autocannon and returns req/s, latency percentiles from raw samples and status counts.
import autocannon, { type Options, type Request } from 'autocannon';
import { ascending, percentile } from './percentile.js';

export type LoadPlan = {
  url: string;
  connections: number;
  request: Request;
  seconds?: number;
  /** A fixed number of requests instead of a duration. */
  amount?: number;
};

export type LoadResult = {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
};

export async function drive(plan: LoadPlan): Promise<LoadResult> {
  const options: Options = { url: plan.url, connections: plan.connections, requests: [plan.request] };
  if (plan.seconds !== undefined) options.duration = plan.seconds;
  if (plan.amount !== undefined) options.amount = plan.amount;
  const latencies: number[] = [];
  const instance = autocannon(options);
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const result = await instance;
  ascending(latencies);
  return {
    reqPerSec: result.requests.average,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.duration,
  };
}
