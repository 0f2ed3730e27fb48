// `npm run bench [-- --quick] [-- --store postgres] [-- --load-workers N]`: runs every phase on this
// machine, prints a table and writes bench/results/latest.json (latest-postgres.json for postgres).
//
// On SQLite: the bare Hono reference; the scaling curve (the create and GET loads at API_WORKERS=1,
// 2, 4, … up to the usable cores); creates evenly paced at half the curve's best rate; then, on
// the default configuration, the idle RSS, the steady 201 → stream latency, the backlog and the
// uploads; raw publishing and the relay's drain; then what 50 automation rules and a business-hours
// calendar add to a create (bench/automationCost.ts). On PostgreSQL: bench/postgresBench.ts.
// --load-workers sets autocannon's worker threads (0: none), chosen from the cores otherwise.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { loadConfig } from '../src/config.js';
import { usableCores } from '../src/cores.js';
import { findNatsServerBinary, freePort, spawnNatsServer } from '../src/nats/localServer.js';
import { uploadMemory } from './attachmentUpload.js';
import { automationCost } from './automationCost.js';
import { measureBacklog } from './backlog.js';
import { measureBareHono } from './bareReference.js';
import { type BenchContext, dropStream } from './benchContext.js';
import { assertRunning, sleep } from './childProcess.js';
import { costSplit, curveFigures } from './curveFigures.js';
import { drive } from './httpLoad.js';
import { type PacedLatency, pacedLatency } from './pacedLatency.js';
import { POSTGRES_ADMIN_URL, postgresBench } from './postgresBench.js';
import { rawPublish } from './rawPublish.js';
import { relayDrain } from './relayDrain.js';
import { type Figure, figure, printTable, writeResults } from './report.js';
import { sampleRss, treeRss } from './rss.js';
import { gitCommit, machineInfo } from './runInfo.js';
import { type CurvePoint, curveTable, curveWorkers, fastestCreates, loadGeneratorThreads, measurePoint, pointSummary } from './scalingCurve.js';
import { type ServiceChild, startService } from './service.js';
import { steadyCreateToStream } from './steadyLatency.js';
import { createRequest } from './ticketRequests.js';

const args = process.argv.slice(2);
const optionValue = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};
const quick = args.includes('--quick');
const store = optionValue('--store') ?? 'sqlite';
if (store !== 'sqlite' && store !== 'postgres') throw new Error(`--store wants sqlite or postgres, got ${store}`);
const cores = usableCores();
const plan = {
  connections: 64,
  warmSeconds: quick ? 1 : 2,
  /** Each measured create and GET load of the curve (and of the postgres run). */
  loadSeconds: quick ? 3 : 15,
  /** After /ready, before a curve point's idle RSS. */
  settleMs: quick ? 500 : 1000,
  /** After /ready, before the default configuration's idle RSS. */
  idleMs: 2000,
  cores,
  curveWorkers: curveWorkers(cores),
  loadWorkers: loadWorkersOption(optionValue('--load-workers')),
  pacedShare: 0.5,
  pacedSeconds: quick ? 3 : 10,
  /** The same schedule, unmeasured, just before: the client's own warm-up. */
  pacedWarmSeconds: quick ? 1 : 2,
  steadyRate: 1000,
  steadySeconds: quick ? 4 : 10,
  uploads: quick ? 3 : 10,
  drainEvents: quick ? 5_000 : 100_000,
  rawMessages: quick ? 20_000 : 100_000,
  rawWindow: 256,
  getIds: 10_000,
  /** Measured create loads per tenant of the automations phase, and their length. */
  automationRounds: quick ? 1 : 2,
  automationSeconds: quick ? 2 : 10,
};

function loadWorkersOption(value: string | undefined): number | undefined {
  if (value === undefined) return loadGeneratorThreads(cores);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--load-workers wants a whole number, got ${value}`);
  return n === 0 ? undefined : n;
}

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
  const ctx: BenchContext = {
    quick,
    say,
    onCleanup: (fn) => cleanups.push(fn),
    tmp,
    nats: { url: nats.url, pid: nats.child.pid!, bin },
    jsm,
    connections: plan.connections,
    loadWorkers: plan.loadWorkers,
    cores,
  };
  const threads = plan.loadWorkers === undefined ? 'the load generator on its own thread' : `the load generator on ${plan.loadWorkers} worker threads`;
  say(`nats-server ${nats.url}; mode ${quick ? 'quick' : 'full'}, store ${store}; ${cores} usable cores, ${threads}`);

  if (store === 'postgres') {
    const result = await postgresBench(ctx, {
      adminUrl: POSTGRES_ADMIN_URL,
      warmSeconds: plan.warmSeconds,
      loadSeconds: plan.loadSeconds,
      getIds: plan.getIds,
    });
    const file = writeResults(
      {
        timestamp: new Date().toISOString(),
        mode: quick ? 'quick' : 'full',
        store,
        commit: gitCommit(),
        machine: machineInfo(bin),
        params: {
          connections: plan.connections,
          warmSeconds: plan.warmSeconds,
          loadSeconds: plan.loadSeconds,
          loadWorkers: plan.loadWorkers ?? null,
          getIds: plan.getIds,
        },
        methods: { ...METHODS, postgres: POSTGRES_METHOD },
        database: result.database,
        points: result.points,
        figures: result.figures,
      },
      'latest-postgres.json',
    );
    process.stdout.write(`\n${printTable(result.figures)}\nwritten to ${file} in ${((performance.now() - began) / 1000).toFixed(1)} s\n`);
    return;
  }

  say(`bare Hono: warm-up, then ${plan.loadSeconds} s of creates at ${plan.connections} connections`);
  const bare = await measureBareHono({ ...plan, natsPid: ctx.nats.pid, onChild: ctx.onCleanup });

  const curve: CurvePoint[] = [];
  for (const workers of plan.curveWorkers) {
    say(`curve, API_WORKERS=${workers}: warm-up, creates, warm-up, GETs, ${plan.loadSeconds} s each`);
    const point = await measurePoint({
      ...plan,
      workers,
      dataDir: join(tmp, `curve-${workers}`),
      natsUrl: nats.url,
      natsPid: ctx.nats.pid,
      onChild: ctx.onCleanup,
    });
    say(`curve, API_WORKERS=${workers}: ${point.create.load.reqPerSec.toFixed(0)} creates/s, ${point.get.load.reqPerSec.toFixed(0)} GETs/s`);
    curve.push(point);
    // The next service starts on an empty stream; the backlog below counts only its own events.
    await dropStream(jsm, 'TICKET_EVENTS');
  }

  // Half of the best closed-loop create rate, on the configuration that reached it.
  const fastest = fastestCreates(curve);
  const pacedRate = Math.round(plan.pacedShare * fastest.create.load.reqPerSec);
  const serviceEnv = { DATA_DIR: join(tmp, 'service'), COMPONENTS: 'api,relay' };
  const defaultWorkers = loadConfig(serviceEnv).apiWorkers;
  const warmUp = async (service: ServiceChild) => {
    await drive({ url: service.url, connections: plan.connections, seconds: plan.warmSeconds, request: createRequest() });
    // The relay catches up on the warm-up's events before a latency is measured.
    await sleep(500);
  };
  const runPaced = (service: ServiceChild) => {
    say(`paced: ${pacedRate} creates/s for ${plan.pacedSeconds} s on API_WORKERS=${fastest.workers}`);
    return pacedLatency({
      url: service.url,
      rate: pacedRate,
      seconds: plan.pacedSeconds,
      warmSeconds: plan.pacedWarmSeconds,
      servicePid: service.pid,
      natsPid: ctx.nats.pid,
    });
  };
  let paced: PacedLatency | undefined;
  if (fastest.workers !== defaultWorkers) {
    const service = await startService({
      label: `service API_WORKERS=${fastest.workers}`,
      dataDir: join(tmp, 'paced'),
      natsUrl: nats.url,
      components: serviceEnv.COMPONENTS,
      workers: fastest.workers,
    });
    cleanups.push(() => service.stop());
    await warmUp(service);
    paced = await runPaced(service);
    assertRunning(service);
    await service.stop();
    await dropStream(jsm, 'TICKET_EVENTS');
  }

  // The default configuration (API_WORKERS unset) for everything else. The write path: API and
  // relay; consumers and the SLA scheduler are deployed on their own in production and would only
  // share the cores here.
  const service = await startService({ label: 'service', dataDir: serviceEnv.DATA_DIR, natsUrl: nats.url, components: serviceEnv.COMPONENTS });
  cleanups.push(() => service.stop());
  await sleep(plan.idleMs);
  const rssIdle = treeRss(service.pid);
  // The count loadConfig gave above decided where the paced phase ran: it must be the one the service chose.
  if (rssIdle.processes !== (defaultWorkers > 1 ? defaultWorkers + 1 : 1)) {
    throw new Error(`the default configuration runs ${rssIdle.processes} processes, not the API_WORKERS=${defaultWorkers} loadConfig gives`);
  }
  say(
    `service (default configuration, API_WORKERS=${defaultWorkers}) at ${service.url}: ${rssIdle.processes} processes, idle RSS ${rssIdle.totalMb.toFixed(1)} MB`,
  );
  // Through the closed-loop warm-up only: without /proc's children lists each reading scans every
  // process, on the thread that times the latency phases below.
  const rss = sampleRss(service.pid);
  cleanups.push(() => rss.stop());
  say('default configuration: create warm-up');
  await warmUp(service);
  rss.stop();
  paced ??= await runPaced(service);
  assertRunning(service);

  say(`steady: ${plan.steadyRate} creates/s for ${plan.steadySeconds} s, 201 → stream`);
  const steady = await steadyCreateToStream({ nc, url: service.url, rate: plan.steadyRate, seconds: plan.steadySeconds });
  assertRunning(service);

  await sleep(Math.max(0, steady.loadEndedAt + 1000 - performance.now()));
  const backlog = await measureBacklog({ jsm, stream: 'TICKET_EVENTS', dbPath: service.dbPath, metricsUrl: `${service.url}/metrics` });
  say(`backlog 1 s after load: ${backlog.missing} (committed ${backlog.committed}, in stream ${backlog.inStream}, gauge ${backlog.gauge})`);
  // After the load phases, so the uploads' buffers do not count in the write path's RSS peak.
  say('attachments: uploading files of the maximum size (10 MB) while sampling RSS');
  const upload = await uploadMemory({ url: service.url, pid: service.pid, fileBytes: 10 * 2 ** 20, files: plan.uploads });
  await service.stop();
  // The drain phase's stream takes the same subjects.
  await dropStream(jsm, 'TICKET_EVENTS');

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
    onChild: ctx.onCleanup,
  });
  say(`relay drain: ${drain.events} events at ${drain.perSec.toFixed(0)}/s`);
  // Same subjects as TICKET_EVENTS, which the automations phase's service creates again.
  await dropStream(jsm, 'BENCH_DRAIN');

  say(
    `automations: API_WORKERS=1 with the automations component; tenants plain and rules (50 rules, business hours), ${plan.automationRounds} × ${plan.automationSeconds} s of creates each, alternating`,
  );
  const automations = await automationCost(ctx, { warmSeconds: plan.warmSeconds, loadSeconds: plan.automationSeconds, rounds: plan.automationRounds });
  say(
    `automations: ${automations.plainUs.toFixed(0)} µs/create plain, ${automations.rulesUs.toFixed(0)} µs/create with 50 rules and business hours (${automations.ratio.toFixed(3)}×)`,
  );

  // Per process: the target is per API worker, and the primary holds more than a worker (writer,
  // relay), so the largest process is the one held to it.
  const idleReadings = [
    { at: `default (API_WORKERS=${defaultWorkers}) ${plan.idleMs} ms after ready`, rss: rssIdle },
    ...curve.map((p) => ({ at: `API_WORKERS=${p.workers} ${plan.settleMs} ms after ready`, rss: p.rssIdle })),
  ];
  const idleDetail = idleReadings.map(({ at, rss: r }) => `${at}: ${r.eachMb.map((mb) => mb.toFixed(1)).join(' + ')} = ${r.totalMb.toFixed(1)} MB`).join('; ');
  const roundsOf = (tenant: 'plain' | 'rules') =>
    automations.rounds
      .filter((r) => r.tenant === tenant)
      .map((r) => r.cpu_us_per_create)
      .join(', ');
  const peakProcessMb = Math.max(rss.peakProcessMb(), ...curve.map((p) => p.rssPeakProcessMb));
  const figures: Figure[] = [
    ...curveFigures(curve, bare, cores, plan.connections),
    figure(
      'paced create p50',
      paced.p50Ms,
      'ms',
      undefined,
      `open loop, evenly paced on a 1 ms clock at ${pacedRate}/s (${plan.pacedShare} × ${fastest.create.load.reqPerSec.toFixed(0)}, the curve's best, API_WORKERS=${fastest.workers}); reached ${paced.load.reqPerSec.toFixed(0)}/s, ${paced.samples} 2xx, ${paced.load.non2xx} non-2xx, ${paced.load.errors} errors`,
    ),
    figure(
      'paced create p99',
      paced.p99Ms,
      'ms',
      { op: '<=', value: 5 },
      `max ${paced.maxMs.toFixed(1)} ms; latency from handing each request to the HTTP client to its answer`,
    ),
    figure(
      'paced create CPU/request',
      paced.cost.service.processUs,
      'µs',
      undefined,
      `at ${pacedRate}/s; main threads ${paced.cost.service.mainThreadUs.toFixed(0)} µs (${((paced.cost.service.mainThreadUs * paced.load.reqPerSec) / 1e6).toFixed(2)} of a core); nats-server ${paced.cost.natsUs.toFixed(0)} µs; load generator ${paced.cost.loadGenUs.toFixed(0)} µs; machine busy ${paced.cost.machineBusy.toFixed(2)}`,
    ),
    figure(
      'steady 201→stream p50',
      steady.p50Ms,
      'ms',
      undefined,
      `default configuration; ${steady.load.reqPerSec.toFixed(0)} req/s, evenly paced on a 1 ms clock; busiest 100 ms held ${steady.peakPer100ms} 201s (${plan.steadyRate / 10} if evenly spread)`,
    ),
    figure(
      'steady 201→stream p99',
      steady.p99Ms,
      'ms',
      { op: '<=', value: 5 },
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
    figure(
      'RSS idle per process',
      Math.max(...idleReadings.map(({ rss: r }) => r.maxProcessMb)),
      'MB',
      { op: '<=', value: 80 },
      `the largest single process of every service measured idle; ${idleDetail}`,
    ),
    figure('RSS idle, default configuration', rssIdle.totalMb, 'MB', undefined, `all ${rssIdle.processes} processes of the tree together`),
    figure(
      'RSS peak per process',
      peakProcessMb,
      'MB',
      { op: '<=', value: 200 },
      `the largest single process; the default configuration sampled every 100 ms through its create warm-up at full load (tree ${rss.peakMb().toFixed(1)} MB), the curve's points every 500 ms through their loads (tree ${curve.map((p) => p.rssPeakMb.toFixed(1)).join(', ')} MB)`,
    ),
    figure(
      'upload RSS growth',
      upload.growthMb,
      'MB',
      undefined,
      `${upload.files} uploads of ${upload.fileMb} MB (MAX_ATTACHMENT_MB) after one warm-up upload, ${upload.msPerFile.toFixed(0)} ms each; tree RSS ${upload.rssBeforeMb.toFixed(1)} → peak ${upload.rssPeakMb.toFixed(1)} MB`,
    ),
    figure(
      'bare Hono req/s',
      bare.load.reqPerSec,
      'req/s',
      undefined,
      `${bare.load.ok} 2xx, ${bare.load.non2xx} non-2xx, ${bare.load.errors} errors in ${bare.load.seconds} s`,
    ),
    // The same load on a route that does nothing: the floor this machine and load generator set.
    figure('bare Hono p50', bare.load.p50Ms, 'ms'),
    figure('bare Hono p99', bare.load.p99Ms, 'ms', undefined, `${plan.connections} connections, latencies from ${bare.load.latencyFrom}`),
    figure('bare Hono CPU/request', bare.service.processUs, 'µs', undefined, costSplit(bare)),
    figure(
      'raw publish msgs/s',
      raw.perSec,
      'msgs/s',
      undefined,
      `${raw.messages} × ${raw.payloadBytes} B; first→last message in the stream; client first publish→last ack ${raw.wallPerSec.toFixed(0)}/s`,
    ),
    figure(
      'create CPU, no rules',
      automations.plainUs,
      'µs',
      undefined,
      `tenant without settings or rules; COMPONENTS=api,relay,automations, API_WORKERS=1; per round ${roundsOf('plain')} µs`,
    ),
    figure(
      `create CPU, ${automations.rules} rules + business hours`,
      automations.rulesUs,
      'µs',
      undefined,
      `same service; per round ${roundsOf('rules')} µs; ${automations.rounds.reduce((n, r) => n + r.non2xx + r.errors, 0)} non-2xx + errors in all rounds`,
    ),
    figure(
      `create CPU, ${automations.rules} rules + business hours / none`,
      automations.ratio,
      'ratio',
      { op: '<=', value: automations.target },
      `${automations.rulesUs.toFixed(0)} / ${automations.plainUs.toFixed(0)} µs of the whole service tree per create, the automations consumer's work on the load's events inside the window`,
    ),
  ];

  const file = writeResults({
    timestamp: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    store,
    commit: gitCommit(),
    machine: machineInfo(bin),
    params: { ...plan, loadWorkers: plan.loadWorkers ?? null, defaultWorkers, pacedRate },
    methods: METHODS,
    curve: curve.map(pointSummary),
    automations: {
      plain_us: Math.round(automations.plainUs),
      rules_us: Math.round(automations.rulesUs),
      ratio: Number(automations.ratio.toFixed(3)),
      target: automations.target,
      met: automations.met,
      rules: automations.rules,
      rounds: automations.rounds,
    },
    figures,
  });
  process.stdout.write(
    `\nscaling curve (${plan.loadSeconds} s per load, ${plan.connections} connections; µs = CPU per request of the whole service tree; busy = all CPUs; bare Hono p99 ${bare.load.p99Ms.toFixed(2)} ms)\n${curveTable(curve, bare.load.p99Ms)}\n`,
  );
  process.stdout.write(`\n${printTable(figures)}\nwritten to ${file} in ${((performance.now() - began) / 1000).toFixed(1)} s\n`);
}

const METHODS = {
  latency:
    "p50/p99 from every 2xx response time autocannon reports (float ms), nearest rank; with autocannon's worker threads (more than 2 usable cores) from its histogram of all responses in whole ms; req/s is autocannon's mean of per-second samples",
  curve:
    'one fresh service per API_WORKERS value (1, 2, then doubling up to the usable cores, which come last), each on its own data dir and an empty stream: create warm-up (collects GET ids), creates, GET warm-up, GETs, all at the same connections',
  cpu: "utime + stime (+ cutime + cstime: workers that exited) of the service's whole process tree, found again at each reading via /proc children lists or parent pids, over the measured phase ÷ answered requests; primary = the root process alone; main threads from /proc/<pid>/task/<pid>/stat",
  load_generator: "this process's CPU time (process.cpuUsage, its worker threads included) over the phase ÷ answered requests",
  machine_busy: '1 − (idle + iowait) ÷ all ticks of the first line of /proc/stat over the phase: every CPU of the machine, whoever used it',
  paced:
    'open loop: creates on an even 1 ms schedule at half the best create rate of the curve, on that configuration, after the same schedule unmeasured (the client warms up); latency from handing the request to a keep-alive HTTP client (64 sockets) to the end of its answer; CPU as for the curve, over the measured run',
  steady:
    'evenly paced keep-alive HTTP client (bench/pacedLoad.ts) on the default configuration; 201 time = response headers in this process, event time = core NATS subscription callback in this process, matched by ticket id',
  backlog:
    "events rows in the service SQLite file minus JetStream stream message count, read 1 s after the steady phase; the relay's outbox_backlog gauge is in the detail",
  relay: 'api-only child builds the outbox over HTTP on a fresh data dir, then a relay-only child on it; events / (last_ts − first_ts) of the drain stream',
  rss: 'VmRSS of every process in the tree from /proc/<pid>/status; per process = the largest single one; the tree total counts pages shared between processes once per process',
  automations:
    'one service with COMPONENTS=api,relay,automations and API_WORKERS=1; tenant plain has no settings, tenant rules a Mon–Fri 09:00–17:00 Europe/Berlin calendar for its standard tier and 50 enabled rules on created (priority eq critical and title contains rule-<i>; the bench creates priority high, so every rule is evaluated and none fires); after a warm-up of each, alternating create loads (plain, rules, …), each window ending once every committed event is in the stream and the automations durables have none pending or unacknowledged; service CPU ÷ answered creates, nearest-rank median of the rounds',
  raw_publish: 'one connection, noAsyncTraces, unique msgID, sliding window of in-flight acks; messages / (last_ts − first_ts) of its own stream',
};

const POSTGRES_METHOD =
  "a fresh database on the local server per run; API_WORKERS=1 then 2 on it; postgres CPU = utime + stime of the server's processes found by command name: the backends (and autovacuum workers) of this database, and the server's own processes, which serve every database";

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
