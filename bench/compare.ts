// `node dist/bench/compare.js [--rounds N] [--seconds S] <variant> <variant> ...`: the create and GET
// loads of the benchmark against several builds in alternating runs, each on a fresh nats-server
// and data directory, with medians at the end. This machine's speed drifts by a fifth within
// minutes, so two builds are only comparable run for run, and in CPU and bytes per request more
// than in req/s.
//
// A variant is a checkout with a build (`npm run build`), such as a `git worktree` of the
// commit before, optionally followed by environment settings: `../before,TICKET_CACHE_SIZE=0`.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { findNatsServerBinary, freePort, spawnNatsServer } from '../src/nats/localServer.js';
import { sleep } from './childProcess.js';
import { cpuMeter, perRequest } from './cpu.js';
import { type LoadResult, drive } from './httpLoad.js';
import { procText, processTree } from './procfs.js';
import { rssMb, sampleRss } from './rss.js';
import { serviceEntry, startService } from './service.js';
import { createRequest, getRequest, idCollector } from './ticketRequests.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  if (at === -1) return fallback;
  const [, value] = args.splice(at, 2);
  const n = Number(value);
  if (!(n > 0)) throw new Error(`${name} wants a positive number, got ${value}`);
  return n;
};
const rounds = option('--rounds', 3);
const seconds = option('--seconds', 5);
const variants = args;
if (variants.length === 0) {
  process.stderr.write('usage: node dist/bench/compare.js [--rounds N] [--seconds S] <checkout[,ENV=VALUE...]> ...\n');
  process.exit(2);
}

type Run = Record<string, number>;

/** One variant once: creates, then GETs of tickets it created, per-request CPU and I/O, RSS. */
async function runOnce(variant: string): Promise<Run> {
  const [dir, ...settings] = variant.split(',');
  const env = Object.fromEntries(settings.map((s) => [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)]));
  const tmp = mkdtempSync(join(os.tmpdir(), 'ticket-svc-compare-'));
  const bin = findNatsServerBinary(process.env.NATS_SERVER_BIN);
  if (!bin) throw new Error('nats-server not found');
  const nats = await spawnNatsServer({ bin, host: '127.0.0.1', port: await freePort(), storeDir: join(tmp, 'nats') });
  const service = await startService({
    label: variant,
    dataDir: join(tmp, 'service'),
    natsUrl: nats.url,
    components: 'api,relay',
    main: serviceEntry(resolve(dir!)),
    env,
  });
  try {
    await sleep(1000);
    const idleMb = rssMb(service.pid);
    const rss = sampleRss(service.pid);
    const base = { url: service.url, connections: 64 };
    const ids: string[] = [];
    await drive({ ...base, seconds: 2, request: createRequest(idCollector(ids, 10_000)) });
    const create = await measured(service.pid, () => drive({ ...base, seconds, request: createRequest() }));
    await drive({ ...base, seconds: 2, request: getRequest(ids) });
    const get = await measured(service.pid, () => drive({ ...base, seconds, request: getRequest(ids) }));
    rss.stop();
    return { ...prefixed('create', create), ...prefixed('get', get), rssIdleMb: idleMb, rssPeakMb: rss.peakMb() };
  } finally {
    await service.stop();
    await nats.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A load with what it cost the service per answered request. */
async function measured(pid: number, load: () => Promise<LoadResult>): Promise<Run> {
  const cpu = cpuMeter(pid);
  const io = ioOf(pid);
  const result = await load();
  const spent = perRequest(cpu.spent(), result);
  const after = ioOf(pid);
  const n = Math.max(1, result.ok + result.non2xx);
  if (result.non2xx + result.errors > 0) process.stderr.write(`  ${result.non2xx} non-2xx, ${result.errors} errors\n`);
  return {
    reqPerSec: result.reqPerSec,
    p99Ms: result.p99Ms,
    cpuUs: spent.processUs,
    mainUs: spent.mainThreadUs,
    writtenB: (after.write_bytes! - io.write_bytes!) / n,
    readB: (after.rchar! - io.rchar!) / n,
  };
}

/** /proc/<pid>/io summed over the process tree (API workers too): bytes written to storage and read through syscalls. */
function ioOf(pid: number): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const p of processTree(pid)) {
    for (const line of (procText(p, 'io') ?? '').trim().split('\n')) {
      const [key, value] = line.split(': ');
      if (key && value !== undefined) sum[key] = (sum[key] ?? 0) + Number(value);
    }
  }
  return sum;
}

const prefixed = (prefix: string, run: Run): Run => Object.fromEntries(Object.entries(run).map(([k, v]) => [`${prefix} ${k}`, v]));

const runs = new Map<string, Run[]>(variants.map((v) => [v, []]));
// Say what each variant runs: a build from before the bundle runs tsc's output instead.
for (const variant of new Set(variants.map((v) => v.split(',')[0]!))) process.stdout.write(`${variant} runs ${serviceEntry(resolve(variant))}\n`);
for (let round = 1; round <= rounds; round++) {
  for (const variant of variants) {
    const run = await runOnce(variant);
    runs.get(variant)!.push(run);
    process.stdout.write(`round ${round} ${variant}: ${format(run)}\n`);
  }
}
// The lower middle value for an even number of rounds.
process.stdout.write(`\nmedians of ${rounds} rounds, ${seconds} s per load:\n`);
for (const [variant, list] of runs) {
  const median: Run = {};
  for (const key of Object.keys(list[0]!)) {
    const values = list.map((r) => r[key]!).sort((a, b) => a - b);
    median[key] = values[Math.floor((values.length - 1) / 2)]!;
  }
  process.stdout.write(`${variant}: ${format(median)}\n`);
}

function format(run: Run): string {
  return Object.entries(run)
    .map(([k, v]) => `${k} ${v >= 100 ? Math.round(v) : v.toFixed(1)}`)
    .join(', ');
}
