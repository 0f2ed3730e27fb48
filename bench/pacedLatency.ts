// Open-loop latency: creates sent on an even schedule at a fixed rate whatever the answers do. A
// slow answer delays no later request, so queueing in the service shows in the latencies, where a
// closed loop's connections would wait for it and send less. The same schedule runs unmeasured
// first: this process's HTTP client compiles and opens its sockets there, not in the measured run.
// What the measured run cost the service tells how busy the rate kept it: at a rate below the
// closed loop's, batches are smaller, so each create costs more than under the closed loop.
import { type LoadCost, measuredLoad } from './loadCost.js';
import { type PacedResult, pacedCreates } from './pacedLoad.js';
import { ascending, percentile } from './percentile.js';

export type PacedLatency = {
  rate: number;
  seconds: number;
  load: PacedResult;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** What the measured run cost: the service, nats-server and this process, per answered create. */
  cost: LoadCost<PacedResult>;
};

export async function pacedLatency(plan: {
  url: string;
  rate: number;
  seconds: number;
  warmSeconds: number;
  servicePid: number;
  natsPid: number;
}): Promise<PacedLatency> {
  await pacedCreates({ url: plan.url, rate: plan.rate, seconds: plan.warmSeconds, onResponse: () => undefined });
  const latencies: number[] = [];
  const cost = await measuredLoad(plan, () =>
    pacedCreates({
      url: plan.url,
      rate: plan.rate,
      seconds: plan.seconds,
      onResponse: (status, _body, _at, latencyMs) => {
        if (status >= 200 && status < 300) latencies.push(latencyMs);
      },
    }),
  );
  ascending(latencies);
  return {
    rate: plan.rate,
    seconds: plan.seconds,
    load: cost.load,
    samples: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    cost,
  };
}
