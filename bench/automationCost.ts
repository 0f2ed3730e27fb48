// What 50 automation rules and a business-hours calendar add to a create (issue 21): one service
// with the automations component, two tenants, the same create load against each in turn, and the
// CPU time of the service's process tree per create, the consumer's work on the load's events
// included.
//
// Tenant `plain` has no settings and no rules. Tenant `rules` counts its standard tier in the
// business minutes of a Mon–Fri 09:00–17:00 Europe/Berlin calendar with a holiday, and has 50
// enabled rules on `created`, each asking for priority critical and a title containing rule-<i>:
// every rule is read and evaluated on every created event, and none fires for the bench's create
// body (priority high, title "Printer on fire"), so what is measured is evaluating them, not
// acting on them.
import { join } from 'node:path';
import { RULE_EVENTS } from '../src/automations/ruleSchema.js';
import { type BenchContext, dropStream } from './benchContext.js';
import { countEvents } from './backlog.js';
import { assertRunning, sleep } from './childProcess.js';
import { drive, type LoadResult } from './httpLoad.js';
import { type LoadCost, measuredLoad } from './loadCost.js';
import { ascending, percentile } from './percentile.js';
import { type ServiceChild, startService } from './service.js';
import { CREATE_BODY, createRequest } from './ticketRequests.js';

const STREAM = 'TICKET_EVENTS';
const RULES = 50;
const TARGET = 1.1;
/** One durable per event a rule can name (src/automations/automationsConsumer.ts). */
const DURABLES = RULE_EVENTS.map((action) => `automations_${action}`);
const TENANTS = ['plain', 'rules'] as const;
type Tenant = (typeof TENANTS)[number];

// The rules must not fire for what the bench creates: a rule that fired would add a write and its
// events, and the figure would no longer be the cost of evaluating them.
if ((JSON.parse(CREATE_BODY) as { priority?: string }).priority === 'critical') {
  throw new Error('the bench create body is priority critical: the automation rules would fire on it');
}

export type AutomationPlan = {
  warmSeconds: number;
  /** Each measured create load. */
  loadSeconds: number;
  /** Measured loads per tenant, alternating plain, rules, plain, rules, … */
  rounds: number;
};

export type AutomationRound = { tenant: Tenant; cost: LoadCost; events: number; catchUpMs: number };

export type AutomationCost = {
  /** CPU µs of the service's tree per create, the median of the rounds (nearest rank: the lower of two). */
  plainUs: number;
  rulesUs: number;
  ratio: number;
  target: number;
  met: boolean;
  rules: number;
  rounds: Array<{
    tenant: Tenant;
    cpu_us_per_create: number;
    main_threads_us: number;
    creates_per_s: number;
    ok: number;
    non2xx: number;
    errors: number;
    /** Events the load committed (a create's created event and its SLA metric events), all consumed inside the window. */
    events: number;
    /** From the end of the load until the stream held every committed event and the automations durables had none pending. */
    catch_up_ms: number;
    nats_us: number;
    load_generator_us: number;
  }>;
};

export async function automationCost(ctx: BenchContext, plan: AutomationPlan): Promise<AutomationCost> {
  await dropStream(ctx.jsm, STREAM);
  const service = await startService({
    label: 'service with automations',
    dataDir: join(ctx.tmp, 'automations'),
    natsUrl: ctx.nats.url,
    components: 'api,relay,automations',
    workers: 1,
  });
  ctx.onCleanup(() => service.stop());
  try {
    await configureRulesTenant(service.url);
    await durablesReady(ctx, service);
    const costs = { servicePid: service.pid, natsPid: ctx.nats.pid };
    const load = (tenant: Tenant, seconds: number) =>
      drive({ url: service.url, connections: ctx.connections, seconds, request: tenantCreate(tenant), workers: ctx.loadWorkers });
    // Both tenants' settings and rules cached, the JIT warm, and the consumer idle before the first window.
    for (const tenant of TENANTS) {
      await load(tenant, plan.warmSeconds);
      await caughtUp(ctx, service);
    }
    const rounds: AutomationRound[] = [];
    for (let i = 0; i < plan.rounds; i++) {
      for (const tenant of TENANTS) {
        const before = countEvents(service.dbPath).committed;
        let catchUpMs = 0;
        // The consumer's work on the load's events runs after the 201s: the window ends once it is done.
        const cost = await measuredLoad(costs, async () => {
          const result: LoadResult = await load(tenant, plan.loadSeconds);
          const ended = performance.now();
          await caughtUp(ctx, service);
          catchUpMs = performance.now() - ended;
          return result;
        });
        assertRunning(service);
        const events = countEvents(service.dbPath).committed - before;
        rounds.push({ tenant, cost, events, catchUpMs });
        ctx.say(
          `automations, ${tenant}: ${cost.service.processUs.toFixed(0)} µs/create, ${cost.load.reqPerSec.toFixed(0)} creates/s, ${events} events consumed ${catchUpMs.toFixed(0)} ms after the load`,
        );
      }
    }
    const median = (tenant: Tenant) => percentile(ascending(rounds.filter((r) => r.tenant === tenant).map((r) => r.cost.service.processUs)), 50);
    const plainUs = median('plain');
    const rulesUs = median('rules');
    const ratio = rulesUs / plainUs;
    return {
      plainUs,
      rulesUs,
      ratio,
      target: TARGET,
      met: ratio <= TARGET,
      rules: RULES,
      rounds: rounds.map((r) => ({
        tenant: r.tenant,
        cpu_us_per_create: round(r.cost.service.processUs),
        main_threads_us: round(r.cost.service.mainThreadUs),
        creates_per_s: round(r.cost.load.reqPerSec),
        ok: r.cost.load.ok,
        non2xx: r.cost.load.non2xx,
        errors: r.cost.load.errors,
        events: r.events,
        catch_up_ms: round(r.catchUpMs),
        nats_us: round(r.cost.natsUs),
        load_generator_us: round(r.cost.loadGenUs),
      })),
    };
  } finally {
    await service.stop();
    // The drain phase's stream, or the next service's, takes the same subjects.
    await dropStream(ctx.jsm, STREAM);
  }
}

/** The bench's create body, for one tenant. */
function tenantCreate(tenant: Tenant) {
  const request = createRequest();
  return { ...request, headers: { ...request.headers, 'x-tenant-id': tenant } };
}

async function configureRulesTenant(url: string): Promise<void> {
  const headers = { 'content-type': 'application/json', 'x-tenant-id': 'rules', 'x-user-id': 'root', 'x-user-roles': 'admin' };
  const send = async (method: 'PUT' | 'POST', path: string, body: object, status: number) => {
    const res = await fetch(`${url}/api/v1${path}`, { method, headers, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
    if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  };
  const weekday = [['09:00', '17:00']];
  await send(
    'PUT',
    '/config/calendars',
    {
      calendars: {
        office: { timezone: 'Europe/Berlin', hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday }, holidays: ['2026-12-25'] },
      },
    },
    200,
  );
  await send('PUT', '/config/sla', { tiers: { standard: { calendar: 'office' } } }, 200);
  for (let i = 0; i < RULES; i++) {
    await send(
      'POST',
      '/automations',
      {
        name: `bench rule ${i}`,
        enabled: true,
        when: {
          event: 'created',
          conditions: [
            { field: 'priority', op: 'eq', value: 'critical' },
            { field: 'title', op: 'contains', value: `rule-${i}` },
          ],
        },
        actions: [{ add_tags: [`r${i}`] }],
      },
      201,
    );
  }
}

/** The automations component makes its durables after /ready: the loads start once they are there. */
async function durablesReady(ctx: BenchContext, service: ServiceChild): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (const durable of DURABLES) {
    for (;;) {
      try {
        await ctx.jsm.consumers.info(STREAM, durable);
        break;
      } catch (error) {
        assertRunning(service);
        if (Date.now() > deadline) throw new Error(`durable ${durable} on ${STREAM} not there 20 s after ready: ${(error as Error).message}`);
        await sleep(50);
      }
    }
  }
}

/** Until the stream holds every event the service committed and no automations durable has one pending or unacknowledged. */
async function caughtUp(ctx: BenchContext, service: ServiceChild): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    // The file first, then the stream: an event committed in between only makes the wait longer.
    const { committed } = countEvents(service.dbPath);
    const inStream = (await ctx.jsm.streams.info(STREAM)).state.messages;
    let pending = 0;
    if (inStream >= committed) {
      for (const durable of DURABLES) {
        const info = await ctx.jsm.consumers.info(STREAM, durable);
        pending += info.num_pending + info.num_ack_pending;
      }
      if (pending === 0) return;
    }
    assertRunning(service);
    if (Date.now() > deadline) throw new Error(`automations not caught up 60 s after the load: ${committed - inStream} events unpublished, ${pending} pending`);
    await sleep(20);
  }
}

const round = (value: number) => Math.round(value);
