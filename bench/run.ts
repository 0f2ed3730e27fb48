// `npm run bench [-- --quick]`: runs every phase on this machine, prints a table and writes bench/results/latest.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { usableCores } from '../src/cores.js';
import { findNatsServerBinary, freePort, spawnNatsServer } from '../src/nats/localServer.js';
import { uploadMemory } from './attachmentUpload.js';
import { type CpuSpent, cpuMeter, perRequest } from './cpu.js';
import { measureBacklog } from './backlog.js';
import { assertRunning, sleep, spawnNode, waitForStatus } from './childProcess.js';
import { type LoadResult, drive } from './httpLoad.js';
import { rawPublish } from './rawPublish.js';
import { relayDrain } from './relayDrain.js';
import { type Figure, figure, printTable, writeResults } from './report.js';
import { rssMb, sampleRss } from './rss.js';
import { startService } from './service.js';
import { steadyCreateToStream } from './steadyLatency.js';
import { createRequest, getRequest, idCollector } from './ticketRequests.js';

const quick = process.argv.includes('--quick');
const plan = {
  connections: 64,
  warmSeconds: quick ? 1 : 2,
  loadSeconds: quick ? 5 : 20,
  steadyRate: 1000,
  steadySeconds: quick ? 4 : 10,
  drainEvents: quick ? 10_000 : 100_000,
  rawMessages: quick ? 20_000 : 100_000,
  rawWindow: 256,
  getIds: 10_000,
};
const BARE_HONO = fileURLToPath(new URL('./bareHono.js', import.meta.url));

const began = performance.now();
const say = (text: string) => process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(1)}s] ${text}\n`);

// Run newest first, each once, whether the run finished, failed or was interrupted.
const cleanups: Array<() => unknown> = [];
async function cleanUp(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch (error) {
      say(`cleanup: ${(error as Error).message}`);
    }
  }
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(os.tmpdir(), 'ticket-svc-bench-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));

  const bin = findNatsServerBinary(process.env.NATS_SERVER_BIN);
  if (!bin) throw new Error('nats-server not found (PATH, /usr/sbin, /usr/local/bin, /usr/bin or NATS_SERVER_BIN)');
  const nats = await spawnNatsServer({ bin, host: '127.0.0.1', port: await freePort(), storeDir: join(tmp, 'nats') });
  cleanups.push(() => nats.stop());
  const nc = await connect({ servers: nats.url, noAsyncTraces: true });
  cleanups.push(() => nc.close());
  const jsm = await jetstreamManager(nc);
  say(`nats-server ${nats.url}; mode ${quick ? 'quick' : 'full'}`);

  // The reference runs before and after the service's phases, and the ratios use the mean of both:
  // a neighbour that slows this shared machine for part of the run moves the ratio less.
  const measureBare = async (): Promise<{ load: LoadResult; cpu: CpuSpent }> => {
    const barePort = await freePort();
    const bare = spawnNode('bare Hono', BARE_HONO, { PORT: String(barePort), HOST: '127.0.0.1' });
    cleanups.push(() => bare.stop());
    const bareBase = { url: `http://127.0.0.1:${barePort}`, connections: plan.connections };
    await waitForStatus(bare, `${bareBase.url}/health`, 200);
    await drive({ ...bareBase, seconds: plan.warmSeconds, request: createRequest() });
    const meter = cpuMeter(bare.pid);
    const load = await drive({ ...bareBase, seconds: plan.loadSeconds, request: createRequest() });
    const cpu = perRequest(meter.spent(), load);
    assertRunning(bare);
    await bare.stop();
    return { load, cpu };
  };
  say('bare Hono, first time: warm-up, then measured');
  const bareBefore = await measureBare();

  // The write path: API and relay. Consumers and the SLA scheduler are deployed on their own in
  // production and would only share this event loop here.
  const service = await startService({ label: 'service', dataDir: join(tmp, 'service'), natsUrl: nats.url, components: 'api,relay' });
  cleanups.push(() => service.stop());
  await sleep(2000);
  const rssIdleMb = rssMb(service.pid);
  say(`service ready at ${service.url}, pid ${service.pid}, idle RSS ${rssIdleMb.toFixed(1)} MB`);

  const rss = sampleRss(service.pid);
  cleanups.push(() => rss.stop());
  const base = { url: service.url, connections: plan.connections };

  // The warm-up's 201s give the GET phase its ids, so the measured run carries no body parsing.
  const ids: string[] = [];
  const collectIds = idCollector(ids, plan.getIds);
  say('create: warm-up');
  const warmCreate = await drive({ ...base, seconds: plan.warmSeconds, request: createRequest(collectIds) });
  say(`create: ${plan.loadSeconds} s at ${plan.connections} connections`);
  let cpu = cpuMeter(service.pid);
  // What the rest of the machine spends on each create: the load generator (this process) and
  // nats-server share the two cores with the service, so they bound what any service could reach.
  const natsCpu = cpuMeter(nats.child.pid!);
  const loadGenStart = process.cpuUsage();
  const createStartedAt = performance.now();
  const create = await drive({ ...base, seconds: plan.loadSeconds, request: createRequest() });
  const createWallUs = (performance.now() - createStartedAt) * 1000;
  const createCpu = perRequest(cpu.spent(), create);
  const loadGenUsed = process.cpuUsage(loadGenStart);
  const createShares = machineShares(
    createCpu,
    perRequest(natsCpu.spent(), create).processUs,
    perRequest({ processUs: loadGenUsed.user + loadGenUsed.system, mainThreadUs: 0 }, create).processUs,
    create,
    createWallUs,
  );
  assertRunning(service);
  if (ids.length === 0) throw new Error('no ticket ids from the create warm-up');

  say(`get: warm-up, then ${plan.loadSeconds} s over ${ids.length} ids`);
  const warmGet = await drive({ ...base, seconds: plan.warmSeconds, request: getRequest(ids) });
  cpu = cpuMeter(service.pid);
  const get = await drive({ ...base, seconds: plan.loadSeconds, request: getRequest(ids) });
  const getCpu = perRequest(cpu.spent(), get);
  assertRunning(service);

  say(`steady: ${plan.steadyRate} creates/s for ${plan.steadySeconds} s, 201 → stream`);
  const steady = await steadyCreateToStream({ nc, ...base, rate: plan.steadyRate, seconds: plan.steadySeconds });
  assertRunning(service);
  rss.stop();
  const rssPeakMb = rss.peakMb();

  await sleep(Math.max(0, steady.loadEndedAt + 1000 - performance.now()));
  const backlog = await measureBacklog({ jsm, stream: 'TICKET_EVENTS', dbPath: service.dbPath, metricsUrl: `${service.url}/metrics` });
  say(`backlog 1 s after load: ${backlog.missing} (committed ${backlog.committed}, in stream ${backlog.inStream}, gauge ${backlog.gauge})`);
  // After the load phases, so the uploads' buffers do not count in the write path's RSS peak.
  say('attachments: uploading files of the maximum size (10 MB) while sampling RSS');
  const upload = await uploadMemory({ url: service.url, pid: service.pid, fileBytes: 10 * 2 ** 20, files: quick ? 3 : 10 });
  await service.stop();
  // The drain phase's stream takes the same subjects.
  await jsm.streams.delete('TICKET_EVENTS');

  say('bare Hono, second time: warm-up, then measured');
  const bareAfter = await measureBare();
  const bareLoad = meanLoad(bareBefore.load, bareAfter.load);
  const bareCpu = {
    processUs: (bareBefore.cpu.processUs + bareAfter.cpu.processUs) / 2,
    mainThreadUs: (bareBefore.cpu.mainThreadUs + bareAfter.cpu.mainThreadUs) / 2,
  };

  if (!steady.samplePayload) throw new Error('no created event seen, so no payload for the raw-publish reference');
  say(`raw publish: ${plan.rawMessages} messages of ${steady.samplePayload.length} bytes, ${plan.rawWindow} in flight`);
  const raw = await rawPublish({ servers: nats.url, messages: plan.rawMessages, payload: steady.samplePayload, window: plan.rawWindow });

  say(`relay drain: building a backlog of ${plan.drainEvents} events with an api-only child`);
  const drain = await relayDrain({
    jsm,
    natsUrl: nats.url,
    dataDir: join(tmp, 'drain'),
    events: plan.drainEvents,
    connections: plan.connections,
    onChild: (stop) => cleanups.push(stop),
  });
  say(`relay drain: ${drain.events} events at ${drain.perSec.toFixed(0)}/s`);

  const statusLine = (r: LoadResult) => `${r.ok} 2xx, ${r.non2xx} non-2xx, ${r.errors} errors in ${r.seconds} s`;
  const figures: Figure[] = [
    figure('create req/s', create.reqPerSec, 'req/s', undefined, statusLine(create)),
    figure('create p50', create.p50Ms, 'ms'),
    figure('create p99', create.p99Ms, 'ms', { op: '<=', value: 10 }),
    figure(
      'create p99 / bare Hono p99',
      create.p99Ms / bareLoad.p99Ms,
      'ratio',
      undefined,
      `the same ${plan.connections} connections on a route that does nothing reach p99 ${bareLoad.p99Ms.toFixed(1)} ms here${bareLoad.p99Ms > 10 ? ', itself above the 10 ms target' : ''}; a closed loop's mean latency is connections ÷ throughput (${((1000 * plan.connections) / create.reqPerSec).toFixed(1)} ms for create)`,
    ),
    figure('create non-2xx + errors', create.non2xx + create.errors, 'count', { op: '=', value: 0 }),
    figure('get req/s', get.reqPerSec, 'req/s', undefined, statusLine(get)),
    figure('get p50', get.p50Ms, 'ms'),
    figure('get p99', get.p99Ms, 'ms'),
    figure('get non-2xx + errors', get.non2xx + get.errors, 'count', { op: '=', value: 0 }),
    figure('create / bare Hono', create.reqPerSec / bareLoad.reqPerSec, 'ratio', { op: '>=', value: 0.3 }),
    figure('get / bare Hono', get.reqPerSec / bareLoad.reqPerSec, 'ratio', { op: '>=', value: 0.4 }),
    // CPU per request: the work itself, steadier than req/s when a neighbour slows the machine.
    figure(
      'create CPU/request',
      createCpu.processUs,
      'µs',
      undefined,
      `main thread ${createCpu.mainThreadUs.toFixed(0)} µs, other threads (SQLite writer, GC, libuv) the rest`,
    ),
    figure('get CPU/request', getCpu.processUs, 'µs', undefined, `main thread ${getCpu.mainThreadUs.toFixed(0)} µs`),
    figure('load generator CPU/create', createShares.loadGenUs, 'µs', undefined, 'autocannon in the bench process, over the create phase'),
    figure('nats-server CPU/create', createShares.natsUs, 'µs', undefined, 'the stream write and the ack of each created event'),
    figure(
      'machine busy during create',
      createShares.busy,
      'ratio',
      undefined,
      `service + nats-server + load generator CPU ÷ (${createShares.cores} cores × the phase); at 1.0 every core was busy: ${createShares.ceiling.toFixed(0)} creates/s would fill them at these costs per create`,
    ),
    figure('bare Hono CPU/request', bareCpu.processUs, 'µs', undefined, `main thread ${bareCpu.mainThreadUs.toFixed(0)} µs`),
    figure(
      'steady 201→stream p50',
      steady.p50Ms,
      'ms',
      undefined,
      `${steady.load.reqPerSec.toFixed(0)} req/s, evenly paced on a 1 ms clock; busiest 100 ms held ${steady.peakPer100ms} 201s (${plan.steadyRate / 10} if evenly spread)`,
    ),
    figure(
      'steady 201→stream p99',
      steady.p99Ms,
      'ms',
      { op: '<=', value: 25 },
      `max ${steady.maxMs.toFixed(1)} ms; ${steady.eventFirst} events arrived before their 201`,
    ),
    figure('steady matched', steady.matched, 'events', { op: '=', value: steady.created }, `of ${steady.created} 201s (${steady.load.non2xx} non-2xx)`),
    figure(
      'relay events/s',
      drain.perSec,
      'events/s',
      undefined,
      `${drain.events} events; first→last message in the stream; spawn→done ${drain.wallSeconds.toFixed(2)} s; relay RSS peak ${drain.rssPeakMb.toFixed(1)} MB`,
    ),
    figure('relay / raw publish', drain.perSec / raw.perSec, 'ratio', { op: '>=', value: 0.7 }),
    figure(
      'backlog 1 s after load',
      backlog.missing,
      'events',
      { op: '=', value: 0 },
      `committed ${backlog.committed} − in stream ${backlog.inStream}; rows unmarked ${backlog.unmarked}; outbox_backlog gauge ${backlog.gauge ?? 'absent'}`,
    ),
    figure('RSS idle', rssIdleMb, 'MB', { op: '<=', value: 80 }),
    figure('RSS peak', rssPeakMb, 'MB', { op: '<=', value: 200 }, 'sampled every 100 ms from the create warm-up to the end of the steady phase'),
    figure(
      'upload RSS growth',
      upload.growthMb,
      'MB',
      undefined,
      `${upload.files} uploads of ${upload.fileMb} MB (MAX_ATTACHMENT_MB) after one warm-up upload, ${upload.msPerFile.toFixed(0)} ms each; RSS ${upload.rssBeforeMb.toFixed(1)} → peak ${upload.rssPeakMb.toFixed(1)} MB`,
    ),
    figure(
      'bare Hono req/s',
      bareLoad.reqPerSec,
      'req/s',
      undefined,
      `mean of ${bareBefore.load.reqPerSec.toFixed(0)} (before the service's phases) and ${bareAfter.load.reqPerSec.toFixed(0)} (after); ${statusLine(bareLoad)}`,
    ),
    // The same load on a route that does nothing: the floor this machine and load generator set.
    figure(
      'bare Hono p50',
      bareLoad.p50Ms,
      'ms',
      undefined,
      `mean of the two runs' p50: ${bareBefore.load.p50Ms.toFixed(2)} and ${bareAfter.load.p50Ms.toFixed(2)}`,
    ),
    figure(
      'bare Hono p99',
      bareLoad.p99Ms,
      'ms',
      undefined,
      `mean of the two runs' p99: ${bareBefore.load.p99Ms.toFixed(2)} and ${bareAfter.load.p99Ms.toFixed(2)}`,
    ),
    figure(
      'raw publish msgs/s',
      raw.perSec,
      'msgs/s',
      undefined,
      `${raw.messages} × ${raw.payloadBytes} B; first→last message in the stream; client first publish→last ack ${raw.wallPerSec.toFixed(0)}/s`,
    ),
  ];

  const cpus = os.cpus();
  const file = writeResults({
    timestamp: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    commit: gitCommit(),
    machine: {
      cpus: cpus.length,
      model: cpus[0]?.model ?? 'unknown',
      node: process.version,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      memory_mb: Math.round(os.totalmem() / 2 ** 20),
      nats_server: execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim(),
    },
    params: plan,
    methods: {
      latency: "p50/p99 from every 2xx response time autocannon reports (float ms), nearest rank; req/s is autocannon's mean of per-second samples",
      steady:
        'evenly paced keep-alive HTTP client (bench/pacedLoad.ts); 201 time = response headers in this process, event time = core NATS subscription callback in this process, matched by ticket id',
      backlog:
        "events rows in the service SQLite file minus JetStream stream message count, read 1 s after the steady phase; the relay's outbox_backlog gauge is in the detail",
      relay: 'api-only child builds the outbox over HTTP on a fresh data dir, then a relay-only child on it; events / (last_ts − first_ts) of the drain stream',
      cpu: 'utime + stime from /proc/<pid>/stat over the measured phase ÷ answered requests (all threads); the main thread from /proc/<pid>/task/<pid>/stat',
      ratios:
        'create and get are both divided by the bare Hono POST req/s (the mean of a run before and one after the service phases); relay events/s by raw publish msgs/s (the relay also sends 4 headers per message)',
      raw_publish: 'one connection, noAsyncTraces, unique msgID, sliding window of in-flight acks; messages / (last_ts − first_ts) of its own stream',
      warmups: { create: statusOf(warmCreate), get: statusOf(warmGet) },
    },
    figures,
  });
  process.stdout.write(`\n${printTable(figures)}\nwritten to ${file} in ${((performance.now() - began) / 1000).toFixed(1)} s\n`);
}

/** How busy the machine's cores were over a load phase, and the rate that would fill them at the same costs per request. */
function machineShares(service: CpuSpent, natsUs: number, loadGenUs: number, load: LoadResult, wallUs: number) {
  const perRequestUs = service.processUs + natsUs + loadGenUs;
  const cores = usableCores();
  const answered = load.ok + load.non2xx;
  return { cores, natsUs, loadGenUs, busy: (perRequestUs * answered) / (cores * wallUs), ceiling: (cores * 1e6) / perRequestUs };
}

/** Two runs of the same load as one: mean rate and latencies, summed counts. */
function meanLoad(a: LoadResult, b: LoadResult): LoadResult {
  return {
    reqPerSec: (a.reqPerSec + b.reqPerSec) / 2,
    p50Ms: (a.p50Ms + b.p50Ms) / 2,
    p99Ms: (a.p99Ms + b.p99Ms) / 2,
    ok: a.ok + b.ok,
    non2xx: a.non2xx + b.non2xx,
    errors: a.errors + b.errors,
    seconds: a.seconds + b.seconds,
  };
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+uncommitted` : head;
  } catch {
    return 'unknown';
  }
}

function statusOf(r: LoadResult): string {
  return `${r.ok} 2xx, ${r.non2xx} non-2xx, ${r.errors} errors`;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping everything`);
    void cleanUp().finally(() => process.exit(128 + os.constants.signals[signal]));
  });
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(cleanUp);
