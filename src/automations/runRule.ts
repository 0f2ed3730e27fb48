// Running one automation rule on one ticket (SPEC §13): its field actions as one change, then each
// transition, comment and notification in the rule's order, each through the command handler as
// `system:automation:<id>`. Every step is keyed by the rule, the source (an event id, or an idle
// ticket's entry into its status) and the step, and commits together with that key's claim, so a
// redelivery, a restart or a second replica never applies a step twice.
import type { Logger } from 'pino';
import type { CommandHandler } from '../commands/commandHandler.js';
import type { Decision, Refusal } from '../domain/decision.js';
import type { Principal } from '../domain/roles.js';
import { changeFields, commentTicket, transitionTicket } from '../domain/ticketCommands.js';
import type { Ticket } from '../domain/ticket.js';
import { deliverToWebhook } from '../consumers/notify/deliver.js';
import type { WebhookClient } from '../consumers/notify/webhookClient.js';
import type { ConsumerStore } from '../store/consumerPort.js';
import type { TicketStore } from '../store/port.js';
import { type PlannedAction, planActions } from './evaluate.js';
import type { AutomationRule } from './ruleSchema.js';
import { type Chain, correlationOf } from './chain.js';

export type RuleRunnerDeps = {
  tickets: TicketStore;
  store: ConsumerStore;
  commands: CommandHandler;
  client: WebhookClient;
  log: Logger;
  now: () => Date;
  userAgent: string;
};

/** Where a rule firing comes from: the source key (event id or idle entry) and the chain that led to it. */
export type Firing = { rule: AutomationRule; ticketId: string; source: string; chain: Chain };

export const automationActor = (ruleId: string) => `system:automation:${ruleId}`;

/** The processed-events consumer name under which a rule's finished firings are remembered. */
export const firedKey = (ruleId: string) => `automation:${ruleId}`;

export function createRuleRunner(deps: RuleRunnerDeps) {
  const { tickets, store, commands, log, now } = deps;

  /** A step that could not apply now is recorded in the audit log and skipped, never retried. */
  const skipped = async (firing: Firing, step: string, action: PlannedAction, refusal: Refusal) => {
    const { rule, ticketId, source } = firing;
    const at = now().toISOString();
    await store.appendAudit({
      eventId: `${rule.id} ${source} ${step}`,
      tenant: rule.tenant,
      ticketId,
      ticketVersion: null,
      actor: automationActor(rule.id),
      action: 'automation_skipped',
      subject: `${rule.tenant}.automation.skipped`,
      correlationId: correlationOf(firing.chain, rule.id),
      occurredAt: at,
      recordedAt: at,
      detail: { rule_id: rule.id, rule: rule.name, source, action: action.kind, reason: refusal.code, refusal },
    });
    log.info({ operation: 'automation', rule_id: rule.id, ticket_id: ticketId, source, step, reason: refusal.code }, 'automation action skipped');
  };

  const notify = async (firing: Firing, step: string, webhookId: string, ticket: Ticket) => {
    const { rule, source } = firing;
    const hook = (await store.webhooks(rule.tenant)).find((h) => h.id === webhookId);
    if (!hook) return { ok: false, code: 'not_found' } as const;
    const eventId = `${rule.id} ${source} ${step}`;
    const sent = `automation:notify:${hook.id}`;
    if (await store.isProcessed(sent, eventId)) return { ok: true } as const;
    const at = now();
    await deliverToWebhook(
      deps.client,
      hook,
      {
        event: 'notification.event.requested',
        eventId,
        tenant: rule.tenant,
        reason: `automation:${rule.name}`,
        keywords: [],
        occurredAt: at.toISOString(),
        correlationId: correlationOf(firing.chain, rule.id),
        ticket: {
          id: ticket.id,
          title: ticket.title,
          priority: ticket.priority,
          status: ticket.status,
          assignee: ticket.assignee,
          customerId: ticket.customerId,
          version: ticket.version,
        },
      },
      at,
      deps.userAgent,
    );
    await store.markProcessed(sent, eventId, at.toISOString());
    return { ok: true } as const;
  };

  /** Applies one planned step; a refusal is skipped (audited), an outage throws for the runtime to retry. */
  const apply = async (firing: Firing, step: string, action: PlannedAction) => {
    const { rule, ticketId, source } = firing;
    const principal: Principal = { id: automationActor(rule.id), roles: ['admin'] };
    const caller = { tenant: rule.tenant, principal, correlationId: correlationOf(firing.chain, rule.id) };
    const once = (decide: (t: Ticket, ctx: Parameters<Parameters<CommandHandler['change']>[2]>[1]) => Decision) =>
      commands.changeOnce(caller, ticketId, `automation ${rule.id} ${source} ${step}`, decide);
    let outcome: Awaited<ReturnType<typeof once>>;
    switch (action.kind) {
      case 'fields':
        // Planned again on the ticket as it is when the change commits.
        outcome = await once((t, ctx) => {
          const fields = planActions(rule, t).find((a) => a.kind === 'fields');
          return changeFields(t, fields?.kind === 'fields' ? fields.changes : {}, ctx);
        });
        break;
      case 'transition':
        outcome = await once((t, ctx) =>
          transitionTicket(t, action.name, { assignee: t.assignee ?? undefined, comment: action.comment || undefined }, undefined, ctx),
        );
        break;
      case 'comment':
        outcome = await once((t, ctx) => commentTicket(t, { body: action.body, internal: action.internal }, ctx));
        break;
      case 'notify': {
        const loaded = await tickets.load(rule.tenant, ticketId);
        if (!loaded.ticket) return skipped(firing, step, action, { ok: false, code: 'not_found' });
        const sent = await notify(firing, step, action.webhookId, loaded.ticket);
        if (!sent.ok) return skipped(firing, step, action, sent);
        return;
      }
      default: {
        const unreachable: never = action;
        throw new Error(`unhandled action ${JSON.stringify(unreachable)}`);
      }
    }
    if ('ok' in outcome && !outcome.ok) await skipped(firing, step, action, outcome);
  };

  return {
    /** Runs the rule's steps on the ticket; once all are done the firing is remembered and not looked at again. */
    async fire(firing: Firing): Promise<void> {
      const { rule, ticketId, source } = firing;
      if (await store.isProcessed(firedKey(rule.id), source)) return;
      const loaded = await tickets.load(rule.tenant, ticketId);
      if (!loaded.ticket) return;
      // The steps are the rule's actions; the field actions are one step, planned when it commits.
      const plan = planActions(rule, loaded.ticket);
      const hasFields = plan.some((a) => a.kind === 'fields');
      const others = plan.filter((a) => a.kind !== 'fields');
      if (hasFields) await apply(firing, 'fields', plan[0]!);
      for (const [i, action] of others.entries()) await apply(firing, String(i), action);
      await store.markProcessed(firedKey(rule.id), source, now().toISOString());
    },
  };
}

export type RuleRunner = ReturnType<typeof createRuleRunner>;
