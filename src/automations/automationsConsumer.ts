// The `automations` component (SPEC §13): event rules run off the stream, time rules off a scan
// every SLA_SCAN_INTERVAL_MS; both fire through the rule runner, which applies each step once.
import type { Logger } from 'pino';
import { startPeriodicPass } from '../periodicPass.js';
import type { ConsumedEvent } from '../consumers/consumedEvent.js';
import type { ConsumerDefinition } from '../consumers/runtime.js';
import type { ConsumerStore, StoredAutomation } from '../store/consumerPort.js';
import type { TicketStore } from '../store/port.js';
import { chainOf, mayAct } from './chain.js';
import { type RuleEvent, ruleMatchesEvent, ruleMatchesIdle } from './evaluate.js';
import { type AutomationRule, RULE_EVENTS, type RuleEventName, parseDuration } from './ruleSchema.js';
import { storedRule } from './rules.js';
import type { RuleRunner } from './runRule.js';

const RULES_CACHE_MS = 1000;
const IDLE_PAGE = 200;

export type AutomationsDeps = { store: ConsumerStore; tickets: TicketStore; runner: RuleRunner; log: Logger; now: () => Date };

export function automationsConsumer({ store, runner, log }: AutomationsDeps): ConsumerDefinition {
  // Rules are read for every event: kept a moment, so a burst of events reads them once.
  const cache = new Map<string, { at: number; rules: Promise<AutomationRule[]> }>();
  const rulesOf = (tenant: string) => {
    const hit = cache.get(tenant);
    if (hit && Date.now() - hit.at < RULES_CACHE_MS) return hit.rules;
    const rules = store.automations(tenant).then((rows) => parsedRules(rows, log));
    cache.set(tenant, { at: Date.now(), rules });
    rules.catch(() => cache.delete(tenant));
    return rules;
  };
  return {
    name: 'automations',
    // One durable per kind of change a rule can name (reads and lists never run rules). A durable
    // made now starts at new events: switching the component on does not replay history into rules.
    subscriptions: RULE_EVENTS.map((action) => ({ durable: `automations_${action}`, filter: `*.ticket.ticket.event.${action}`, from: 'new' as const })),
    async handle(event, attempt) {
      const e = ruleEventOf(event);
      if (!e) return;
      const chain = chainOf(event.meta.correlationId);
      for (const rule of await rulesOf(event.tenant)) {
        if (!rule.enabled || !mayAct(chain, rule.id) || !ruleMatchesEvent(rule, e)) continue;
        attempt.working();
        await runner.fire({ rule, ticketId: e.ticket.id, source: event.eventId, chain });
      }
    },
  };
}

/** The event as a rule sees it; undefined for events no rule runs on. */
function ruleEventOf(event: ConsumedEvent): RuleEvent | undefined {
  const action = event.meta.action as RuleEventName;
  if (!event.ticket || !RULE_EVENTS.includes(action)) return undefined;
  return {
    action,
    ticket: event.ticket,
    changedFields: event.changedFields,
    actor: event.meta.actor,
    transition: event.transition,
    comment: event.comment,
  };
}

function parsedRules(rows: StoredAutomation[], log: Logger): AutomationRule[] {
  return rows.flatMap((row) => {
    const rule = storedRule(row);
    if (!rule) log.warn({ operation: 'automation', tenant: row.tenant, rule_id: row.id }, 'stored automation rule no longer parses; skipped');
    return rule ? [rule] : [];
  });
}

/**
 * Time rules: each pass finds, per enabled idle rule, the tickets in its status untouched for its
 * duration and fires the rule once per ticket and entry into that status.
 */
export function startIdleScan({ store, tickets, runner, log, now }: AutomationsDeps, intervalMs: number) {
  const pass = async (instant?: Date): Promise<number> => {
    let fired = 0;
    for (const rule of parsedRules(await store.idleAutomations(), log)) {
      if (!('idle' in rule.when)) continue;
      const at = instant ?? now();
      const cutoff = new Date(at.getTime() - idleMs(rule)).toISOString();
      let after = { updatedAt: cutoff, id: '' };
      for (;;) {
        const page = await tickets.list(rule.tenant, { status: rule.when.idle.status, limit: IDLE_PAGE, after });
        for (const ticket of page) {
          if (!ruleMatchesIdle(rule, ticket, at.getTime())) continue;
          await runner.fire({ rule, ticketId: ticket.id, source: `idle ${ticket.id} ${ticket.statusChangedAt}`, chain: chainOf(`automation-idle-${rule.id}`) });
          fired += 1;
        }
        if (page.length < IDLE_PAGE) break;
        const last = page[page.length - 1]!;
        after = { updatedAt: last.updatedAt, id: last.id };
      }
    }
    return fired;
  };
  return startPeriodicPass(pass, intervalMs, log, 'automation_idle_scan');
}

const idleMs = (rule: AutomationRule) => ('idle' in rule.when ? parseDuration(rule.when.idle.for) : 0);
