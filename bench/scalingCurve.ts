// The scaling curve: the create and GET loads against the service started with API_WORKERS=1, 2,
// 4, … up to the cores this process may use, one fresh service and data directory per point, with
// what each request cost the whole process tree and how busy the machine was.
import { assertRunning, sleep } from './childProcess.js';
import { drive } from './httpLoad.js';
import { type LoadCost, measuredLoad } from './loadCost.js';
import { type Target, formatTable } from './report.js';
import { type TreeRss, sampleRss, treeRss } from './rss.js';
import { startService } from './service.js';
import { createRequest, getRequest, idCollector } from './ticketRequests.js';

export type CurvePoint = {
  workers: number;
  create: LoadCost;
  get: LoadCost;
  /** Shortly after /ready answered 200, before any load. */
  rssIdle: TreeRss;
  rssPeakMb: number;
  rssPeakProcessMb: number;
};

/** 1, 2, then doubling while below the cores, and the cores themselves last (never fewer than 1 and 2). */
export function curveWorkers(cores: number): number[] {
  const points = new Set([1, 2]);
  for (let w = 4; w < cores; w *= 2) points.add(w);
  points.add(Math.max(1, cores));
  return [...points].sort((a, b) => a - b);
}

/**
 * What the curve's last point should reach over its first. Up to eight cores most of each core
 * should turn into throughput; with two or fewer the primary's writer, nats-server and the load
 * generator share the same cores, so only a clear gain over one process is asked. Above eight
 * cores there is no target.
 */
export function scalingTarget(cores: number): Target | undefined {
  if (cores <= 2) return { op: '>=', value: 1.3 };
  if (cores <= 8) return { op: '>=', value: 0.6 * cores };
  return undefined;
}

/**
 * Worker threads for autocannon so that the load generator is not the limit: none on two cores or
 * fewer, where a thread would only take a core from the service; a power of two that divides the
 * connections evenly above that.
 */
export function loadGeneratorThreads(cores: number): number | undefined {
  if (cores <= 2) return undefined;
  return Math.max(2, Math.min(8, 2 ** Math.floor(Math.log2(cores / 4))));
}

export type PointPlan = {
  workers: number;
  dataDir: string;
  natsUrl: string;
  natsPid: number;
  connections: number;
  warmSeconds: number;
  loadSeconds: number;
  /** Wait after /ready before the idle RSS reading. */
  settleMs: number;
  loadWorkers: number | undefined;
  getIds: number;
  /** More environment for the service (DATABASE_URL). */
  env?: Record<string, string>;
  /** More processes whose CPU time to count per request, by name (the database server's). */
  others?: Record<string, () => number[]>;
  /** Names the service in messages; says the store, for one. */
  label?: string;
  onChild: (stop: () => Promise<void>) => void;
};

export async function measurePoint(plan: PointPlan): Promise<CurvePoint> {
  const service = await startService({
    label: `${plan.label ?? 'service'} API_WORKERS=${plan.workers}`,
    dataDir: plan.dataDir,
    natsUrl: plan.natsUrl,
    components: 'api,relay',
    workers: plan.workers,
    ...(plan.env ? { env: plan.env } : {}),
  });
  plan.onChild(() => service.stop());
  try {
    await sleep(plan.settleMs);
    const rssIdle = treeRss(service.pid);
    // One process, or the primary and its workers: anything else means API_WORKERS did not take.
    const expected = plan.workers > 1 ? plan.workers + 1 : 1;
    if (rssIdle.processes !== expected) throw new Error(`API_WORKERS=${plan.workers}: ${rssIdle.processes} processes, expected ${expected}`);
    // Every half second only: without /proc's children lists each reading scans every process.
    const rss = sampleRss(service.pid, 500);
    try {
      const base = { url: service.url, connections: plan.connections };
      const costs = { servicePid: service.pid, natsPid: plan.natsPid, ...(plan.others ? { others: plan.others } : {}) };
      // The warm-up's 201s give the GET phase its ids; it runs on this thread, which can collect them.
      const ids: string[] = [];
      await drive({ ...base, seconds: plan.warmSeconds, request: createRequest(idCollector(ids, plan.getIds)) });
      const create = await measuredLoad(costs, () => drive({ ...base, seconds: plan.loadSeconds, request: createRequest(), workers: plan.loadWorkers }));
      assertRunning(service);
      if (ids.length === 0) throw new Error(`API_WORKERS=${plan.workers}: no ticket ids from the create warm-up`);
      await drive({ ...base, seconds: plan.warmSeconds, request: getRequest(ids), workers: plan.loadWorkers });
      const get = await measuredLoad(costs, () => drive({ ...base, seconds: plan.loadSeconds, request: getRequest(ids), workers: plan.loadWorkers }));
      assertRunning(service);
      return { workers: plan.workers, create, get, rssIdle, rssPeakMb: rss.peakMb(), rssPeakProcessMb: rss.peakProcessMb() };
    } finally {
      rss.stop();
    }
  } finally {
    await service.stop();
  }
}

/** The point with the most creates/s. */
export function fastestCreates(points: readonly CurvePoint[]): CurvePoint {
  return points.reduce((best, p) => (p.create.load.reqPerSec > best.create.load.reqPerSec ? p : best));
}

/** One row per point, for the terminal. */
export function curveTable(points: readonly CurvePoint[], bareP99Ms: number): string {
  const rows = points.map((p) => [
    String(p.workers),
    String(p.create.service.processes),
    p.create.load.reqPerSec.toFixed(0),
    p.get.load.reqPerSec.toFixed(0),
    p.create.service.processUs.toFixed(0),
    p.get.service.processUs.toFixed(0),
    p.create.machineBusy.toFixed(2),
    p.get.machineBusy.toFixed(2),
    p.create.load.p50Ms.toFixed(2),
    p.create.load.p99Ms.toFixed(2),
    (p.create.load.p99Ms / bareP99Ms).toFixed(2),
    p.create.loadGenUs.toFixed(0),
  ]);
  const header = ['workers', 'procs', 'create/s', 'get/s', 'µs/create', 'µs/get', 'busy c', 'busy g', 'c p50 ms', 'c p99 ms', 'p99/bare', 'gen µs/c'];
  return formatTable(header, rows, (col) => col > 0);
}

/** A point's figures for the results file, rounded. */
export function pointSummary(p: CurvePoint) {
  const cost = (c: LoadCost) => ({
    req_per_s: round(c.load.reqPerSec),
    p50_ms: round(c.load.p50Ms, 2),
    p99_ms: round(c.load.p99Ms, 2),
    latency_from: c.load.latencyFrom,
    ok: c.load.ok,
    non2xx: c.load.non2xx,
    errors: c.load.errors,
    processes: c.service.processes,
    cpu_us_per_request: round(c.service.processUs),
    primary_us: round(c.service.rootUs),
    workers_us: round(c.service.processUs - c.service.rootUs),
    main_threads_us: round(c.service.mainThreadUs),
    nats_us: round(c.natsUs),
    load_generator_us: round(c.loadGenUs),
    ...Object.fromEntries(Object.entries(c.others).map(([name, o]) => [`${name}_us`, round(o.us)])),
    machine_busy: round(c.machineBusy, 3),
  });
  return {
    workers: p.workers,
    create: cost(p.create),
    get: cost(p.get),
    rss_idle_mb: p.rssIdle.eachMb.map((mb) => round(mb, 1)),
    rss_peak_mb: round(p.rssPeakMb, 1),
    rss_peak_process_mb: round(p.rssPeakProcessMb, 1),
  };
}

const round = (value: number, places = 0) => Number(value.toFixed(places));
