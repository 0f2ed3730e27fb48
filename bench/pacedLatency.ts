// Open-loop latency: creates sent on an even schedule at a fixed rate whatever the answers do. A
// slow answer delays no later request, so queueing in the service shows in the latencies, where a
// closed loop's connections would wait for it and send less.
import { type PacedResult, pacedCreates } from './pacedLoad.js';
import { ascending, percentile } from './percentile.js';

export type PacedLatency = { rate: number; seconds: number; load: PacedResult; samples: number; p50Ms: number; p99Ms: number; maxMs: number };

export async function pacedLatency(plan: { url: string; rate: number; seconds: number }): Promise<PacedLatency> {
  const latencies: number[] = [];
  const load = await pacedCreates({
    ...plan,
    onResponse: (status, _body, _at, latencyMs) => {
      if (status >= 200 && status < 300) latencies.push(latencyMs);
    },
  });
  ascending(latencies);
  return {
    ...plan,
    load,
    samples: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
  };
}
