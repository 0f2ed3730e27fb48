// `npm run bench -- --store postgres`: the create and GET loads with the service on PostgreSQL, a
// fresh database on the local server, for one API process and for two, with the CPU time of each
// request split by where it went: the service's processes, the database server's, nats-server and
// the load generator. Results go to bench/results/latest-postgres.json.
//
// Two API processes are API_WORKERS=2, not two services with COMPONENTS=api on two ports beside a
// third with the relay: on PostgreSQL each worker opens its own pool and writes to the database
// itself, as a separate api process would, and the primary runs the relay, as the third would;
// one port keeps the load generator on one URL, and the way of scaling is the one the SQLite
// curve measures.
import { join } from 'node:path';
import { type BenchContext, dropStream } from './benchContext.js';
import { busyDetail, costSplit, statusOf } from './curveFigures.js';
import type { LoadCost } from './loadCost.js';
import { createBenchDatabase, postgresProcesses } from './postgresDatabase.js';
import { type Figure, figure } from './report.js';
import { type CurvePoint, measurePoint, pointSummary } from './scalingCurve.js';

export const POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export async function postgresBench(ctx: BenchContext, plan: { adminUrl: string; warmSeconds: number; loadSeconds: number; getIds: number }) {
  const db = await createBenchDatabase(plan.adminUrl);
  ctx.onCleanup(() => db.drop());
  ctx.say(`postgres: database ${db.name}`);
  const others = {
    postgres_backends: () => postgresProcesses(db.name).backends,
    postgres_server: () => postgresProcesses(db.name).server,
  };
  const points: CurvePoint[] = [];
  for (const workers of [1, 2]) {
    ctx.say(`postgres, API_WORKERS=${workers}: create and get, ${plan.loadSeconds} s each at ${ctx.connections} connections`);
    points.push(
      await measurePoint({
        workers,
        label: 'service on PostgreSQL',
        // The same database for both: one fresh database per run, the second point on the first one's rows.
        dataDir: join(ctx.tmp, `postgres-${workers}`),
        env: { DATABASE_URL: db.url },
        others,
        natsUrl: ctx.nats.url,
        natsPid: ctx.nats.pid,
        connections: ctx.connections,
        warmSeconds: plan.warmSeconds,
        loadSeconds: plan.loadSeconds,
        settleMs: 0,
        loadWorkers: ctx.loadWorkers,
        getIds: plan.getIds,
        onChild: ctx.onCleanup,
      }),
    );
    await dropStream(ctx.jsm, 'TICKET_EVENTS');
  }
  const [one, two] = points as [CurvePoint, CurvePoint];
  const figures: Figure[] = [];
  for (const p of points) {
    const at = `API_WORKERS=${p.workers}`;
    for (const [kind, cost] of [
      ['create', p.create],
      ['get', p.get],
    ] as const) {
      figures.push(
        figure(`${kind} req/s, ${at}`, cost.load.reqPerSec, 'req/s', undefined, `${statusOf(cost)}; p50 ${ms(cost.load.p50Ms)}, p99 ${ms(cost.load.p99Ms)}`),
        figure(`${kind} CPU/request, service, ${at}`, cost.service.processUs, 'µs', undefined, `${costSplit(cost)}; ${busyDetail(cost)}`),
        figure(
          `${kind} CPU/request, postgres, ${at}`,
          cost.others.postgres_backends!.us + cost.others.postgres_server!.us,
          'µs',
          undefined,
          postgresSplit(cost),
        ),
      );
    }
  }
  figures.push(
    figure(
      'create API_WORKERS=2 / 1',
      two.create.load.reqPerSec / one.create.load.reqPerSec,
      'ratio',
      undefined,
      `${two.create.load.reqPerSec.toFixed(0)} / ${one.create.load.reqPerSec.toFixed(0)} creates/s`,
    ),
    figure(
      'get API_WORKERS=2 / 1',
      two.get.load.reqPerSec / one.get.load.reqPerSec,
      'ratio',
      undefined,
      `${two.get.load.reqPerSec.toFixed(0)} / ${one.get.load.reqPerSec.toFixed(0)} GETs/s`,
    ),
  );
  return { database: db.name, points: points.map(pointSummary), figures };
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

function postgresSplit(cost: LoadCost): string {
  const backends = cost.others.postgres_backends!;
  const server = cost.others.postgres_server!;
  return `${backends.processes} backends of this database ${backends.us.toFixed(0)} µs; ${server.processes} server processes (postmaster, WAL writer, checkpointer…, shared with any other database in use) ${server.us.toFixed(0)} µs`;
}
