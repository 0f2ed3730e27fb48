// The scaling curve's figures: each point's throughput, latency and cost, and its targets: the
// curve's last point against its first, and its create p99 against bare Hono's at the same
// connections in the same run.
import type { LoadCost } from './loadCost.js';
import { type Figure, figure } from './report.js';
import { type CurvePoint, scalingTarget } from './scalingCurve.js';

/** Issue 22's aim for one worker's whole process tree per create. */
const CPU_PER_CREATE = { op: '<=', value: 100 } as const;

export function curveFigures(points: readonly CurvePoint[], bare: LoadCost, cores: number, connections: number): Figure[] {
  const figures: Figure[] = [];
  for (const p of points) {
    const at = `API_WORKERS=${p.workers}`;
    figures.push(
      figure(`create req/s, ${at}`, p.create.load.reqPerSec, 'req/s', undefined, `${statusOf(p.create)}; ${latencyOf(p.create)}`),
      figure(
        `create p99, ${at}`,
        p.create.load.p99Ms,
        'ms',
        undefined,
        `p50 ${p.create.load.p50Ms.toFixed(2)} ms; ${(p.create.load.p99Ms / bare.load.p99Ms).toFixed(2)} × bare Hono's p99 at the same ${connections} connections`,
      ),
      figure(`create CPU/request, ${at}`, p.create.service.processUs, 'µs', p.workers === 1 ? CPU_PER_CREATE : undefined, costSplit(p.create)),
      figure(`machine busy during create, ${at}`, p.create.machineBusy, 'ratio', undefined, busyDetail(p.create)),
      figure(`get req/s, ${at}`, p.get.load.reqPerSec, 'req/s', undefined, `${statusOf(p.get)}; ${latencyOf(p.get)}`),
      figure(`get CPU/request, ${at}`, p.get.service.processUs, 'µs', undefined, `${costSplit(p.get)}; ${busyDetail(p.get)}`),
    );
  }
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const target = scalingTarget(cores);
  const scaling = (kind: 'create' | 'get') => {
    const [n, one] = [last[kind].load.reqPerSec, first[kind].load.reqPerSec];
    return figure(
      `${kind} scaling, API_WORKERS=${last.workers} / ${first.workers}`,
      n / one,
      'ratio',
      target,
      `${n.toFixed(0)} / ${one.toFixed(0)} req/s on ${cores} usable cores${target ? '' : '; no target above 8 cores'}`,
    );
  };
  const sum = (kind: 'create' | 'get') => points.reduce((n, p) => n + p[kind].load.non2xx + p[kind].load.errors, 0);
  figures.push(
    scaling('create'),
    scaling('get'),
    figure(
      `create p99 / bare Hono p99, API_WORKERS=${last.workers}`,
      last.create.load.p99Ms / bare.load.p99Ms,
      'ratio',
      { op: '<=', value: 3 },
      `${last.create.load.p99Ms.toFixed(2)} ms / ${bare.load.p99Ms.toFixed(2)} ms, both at ${connections} connections from the same load generator in this run; a closed loop's mean latency is connections ÷ throughput (${((1000 * connections) / last.create.load.reqPerSec).toFixed(1)} ms here)`,
    ),
    figure('create non-2xx + errors', sum('create'), 'count', { op: '=', value: 0 }, 'all points of the curve'),
    figure('get non-2xx + errors', sum('get'), 'count', { op: '=', value: 0 }, 'all points of the curve'),
  );
  return figures;
}

export function statusOf(cost: LoadCost): string {
  return `${cost.load.ok} 2xx, ${cost.load.non2xx} non-2xx, ${cost.load.errors} errors in ${cost.load.seconds} s`;
}

function latencyOf(cost: LoadCost): string {
  const from = cost.load.latencyFrom === 'samples' ? 'every response' : "autocannon's histogram (whole ms, worker threads)";
  return `p50 ${cost.load.p50Ms.toFixed(2)} ms, p99 ${cost.load.p99Ms.toFixed(2)} ms from ${from}`;
}

/** Where a request's CPU time went: the service's processes, nats-server, the load generator. */
export function costSplit(cost: LoadCost): string {
  const s = cost.service;
  const service =
    s.processes > 1
      ? `whole tree of ${s.processes} processes: primary ${s.rootUs.toFixed(0)} µs, API workers ${(s.processUs - s.rootUs).toFixed(0)} µs`
      : 'one process';
  return `${service}; main threads ${s.mainThreadUs.toFixed(0)} µs; nats-server ${cost.natsUs.toFixed(0)} µs; load generator ${cost.loadGenUs.toFixed(0)} µs`;
}

export function busyDetail(cost: LoadCost): string {
  return `machine busy ${cost.machineBusy.toFixed(2)}: share of all CPUs' time in /proc/stat, whoever used it`;
}
