// One load phase with what it cost: the service's process tree, nats-server, the load generator
// (this process, its worker threads included) and any other processes named, in CPU time per
// answered request, and how busy the whole machine was meanwhile.
import { type CpuSpent, answeredOf, cpuMeter, ownCpuMeter, perRequest, selectionCpuMeter } from './cpu.js';
import type { LoadResult } from './httpLoad.js';
import { machineMeter } from './machine.js';

/** What a load phase must say for its cost to be counted per request. */
type Answered = Pick<LoadResult, 'ok' | 'non2xx'>;

export type LoadCost<L extends Answered = LoadResult> = {
  load: L;
  /** The service's tree per request: all processes, the primary alone, and how many there were. */
  service: CpuSpent;
  natsUs: number;
  loadGenUs: number;
  /** Per request, by the names given in `others`, with how many processes each had at the end. */
  others: Record<string, { us: number; processes: number }>;
  /** All CPUs of the machine, 0–1. */
  machineBusy: number;
};

export async function measuredLoad<L extends Answered>(
  plan: { servicePid: number; natsPid: number; others?: Record<string, () => number[]> },
  run: () => Promise<L>,
): Promise<LoadCost<L>> {
  const machine = machineMeter();
  const service = cpuMeter(plan.servicePid);
  const nats = cpuMeter(plan.natsPid);
  const others = Object.entries(plan.others ?? {}).map(([name, select]) => [name, selectionCpuMeter(select)] as const);
  const loadGen = ownCpuMeter();
  const load = await run();
  const loadGenUs = loadGen.spentUs();
  const machineBusy = machine.busy();
  const answered = answeredOf(load);
  return {
    load,
    service: perRequest(service.spent(), load),
    natsUs: nats.spent().processUs / answered,
    loadGenUs: loadGenUs / answered,
    others: Object.fromEntries(
      others.map(([name, meter]) => {
        const spent = meter.spent();
        return [name, { us: spent.us / answered, processes: spent.processes }];
      }),
    ),
    machineBusy,
  };
}
