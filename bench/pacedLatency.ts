// Open-loop latency: creates sent on an even schedule at a fixed rate whatever the answers do. A
// slow answer delays no later request, so queueing in the service shows in the latencies, where a
// closed loop's connections would wait for it and send less. The same schedule runs unmeasured
// first: this process's HTTP client compiles and opens its sockets there, not in the measured run.
// What the measured run cost the service tells how busy the rate kept it: at a rate below the
// closed loop's, batches are smaller, so each create costs more than under the closed loop.
import { type CpuSpent, cpuMeter, perRequest } from './cpu.js';
import { machineMeter } from './machine.js';
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
  /** The service's CPU per answered create, over the measured run. */
  service: CpuSpent;
  /** All CPUs of the machine, 0–1, over the measured run. */
  machineBusy: number;
};

export async function pacedLatency(plan: { url: string; rate: number; seconds: number; warmSeconds: number; servicePid: number }): Promise<PacedLatency> {
  await pacedCreates({ url: plan.url, rate: plan.rate, seconds: plan.warmSeconds, onResponse: () => undefined });
  const latencies: number[] = [];
  const machine = machineMeter();
  const cpu = cpuMeter(plan.servicePid);
  const load = await pacedCreates({
    url: plan.url,
    rate: plan.rate,
    seconds: plan.seconds,
    onResponse: (status, _body, _at, latencyMs) => {
      if (status >= 200 && status < 300) latencies.push(latencyMs);
    },
  });
  const service = perRequest(cpu.spent(), { ok: load.ok, non2xx: load.non2xx });
  const machineBusy = machine.busy();
  ascending(latencies);
  return {
    rate: plan.rate,
    seconds: plan.seconds,
    load,
    samples: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    service,
    machineBusy,
  };
}
