// /api/v1/automations (SPEC §13): a tenant's automation rules (admins only), and a dry run of one
// on a ticket. Rules are validated when written; the automations component runs them.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { type PlannedAction, planActions, ruleMatchesEvent, ruleMatchesIdle } from '../../automations/evaluate.js';
import { type AutomationRule, type AutomationRuleInput, AutomationRuleInputSchema, AutomationRuleSchema } from '../../automations/ruleSchema.js';
import { ruleJson, storedAutomation, storedRule } from '../../automations/rules.js';
import type { Ticket } from '../../domain/ticket.js';
import { isEnabled, markingOf } from '../../domain/workflow.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { requireRole } from '../middleware/requireRole.js';
import { apiParameters, errors, json, jsonBody } from '../openapi.js';
import { TicketParams } from '../schemas.js';
import { validationHook } from '../validation.js';

const AutomationParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const AutomationList = z.object({ items: z.array(AutomationRuleSchema) }).openapi('AutomationList');
const DryRunBody = z.strictObject({ ticket_id: TicketParams.shape.id.openapi({ param: undefined }) }).openapi('AutomationTestRequest');
const DryRun = z
  .object({
    matched: z.boolean().openapi({ description: "whether the rule's conditions hold for the ticket now (an event rule: as if its event happened now)" }),
    actions: z.array(
      z.object({
        kind: z.enum(['fields', 'transition', 'comment', 'notify']),
        detail: z.record(z.string(), z.unknown()),
        applies: z.boolean().openapi({ description: 'whether it could apply now (a transition must be enabled, a webhook must exist)' }),
      }),
    ),
  })
  .openapi('AutomationTestResult');

export function automationRoutes(deps: Pick<AppDeps, 'consumerStore' | 'store' | 'tenantHeader' | 'now' | 'newId'>) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const parameters = apiParameters(deps.tenantHeader);
  app.use('/automations', requireRole('admin'));
  app.use('/automations/*', requireRole('admin'));

  const rules = async (tenant: string) => (await deps.consumerStore.automations(tenant)).flatMap((r) => storedRule(r) ?? []);
  const rule = async (tenant: string, id: string): Promise<AutomationRule> => {
    const found = (await rules(tenant)).find((r) => r.id === id);
    if (!found) throw new ApiError(404, 'automation_not_found', 'automation rule not found');
    return found;
  };
  /** A notify action must name one of the tenant's webhooks. */
  const checkWebhooks = async (tenant: string, input: AutomationRuleInput) => {
    const hooks = new Set((await deps.consumerStore.webhooks(tenant)).map((h) => h.id));
    const fields: Record<string, string> = {};
    input.actions.forEach((a, i) => {
      if ('notify' in a && !hooks.has(a.notify.webhook_id)) fields[`actions.${i}.notify.webhook_id`] = 'no webhook of this tenant has this id';
    });
    if (Object.keys(fields).length > 0) throw new ApiError(400, 'validation_failed', `invalid json: ${Object.keys(fields).join(', ')}`, fields);
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/automations',
      operationId: 'listAutomations',
      summary: 'List automation rules',
      tags: ['automations'],
      parameters,
      responses: { 200: json(AutomationList, "the tenant's rules in running order (position, then creation)"), ...errors(400, 401, 403) },
    }),
    async (c) => c.json({ items: (await rules(c.get('tenant'))).map(ruleJson) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/automations',
      operationId: 'createAutomation',
      summary: 'Add an automation rule',
      tags: ['automations'],
      parameters,
      request: { body: jsonBody(AutomationRuleInputSchema) },
      responses: { 201: json(AutomationRuleSchema, 'added'), ...errors(400, 401, 403, 413, 415) },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const input = c.req.valid('json');
      await checkWebhooks(tenant, input);
      const at = deps.now().toISOString();
      const stored = storedAutomation(tenant, deps.newId(), input, at, at);
      await deps.consumerStore.putAutomation(stored);
      c.header('Location', `/api/v1/automations/${stored.id}`);
      return c.json(ruleJson(storedRule(stored)!), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/automations/{id}',
      operationId: 'getAutomation',
      summary: 'Read an automation rule',
      tags: ['automations'],
      parameters,
      request: { params: AutomationParams },
      responses: { 200: json(AutomationRuleSchema, 'the rule'), ...errors(400, 401, 403, 404) },
    }),
    async (c) => c.json(ruleJson(await rule(c.get('tenant'), c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/automations/{id}',
      operationId: 'replaceAutomation',
      summary: 'Replace an automation rule',
      tags: ['automations'],
      parameters,
      request: { params: AutomationParams, body: jsonBody(AutomationRuleInputSchema) },
      responses: { 200: json(AutomationRuleSchema, 'replaced'), ...errors(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const current = await rule(tenant, c.req.valid('param').id);
      const input = c.req.valid('json');
      await checkWebhooks(tenant, input);
      const stored = storedAutomation(tenant, current.id, input, current.createdAt, deps.now().toISOString());
      await deps.consumerStore.putAutomation(stored);
      return c.json(ruleJson(storedRule(stored)!), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/automations/{id}',
      operationId: 'deleteAutomation',
      summary: 'Remove an automation rule',
      tags: ['automations'],
      parameters,
      request: { params: AutomationParams },
      responses: { 204: { description: 'removed' }, ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      if (!(await deps.consumerStore.deleteAutomation(c.get('tenant'), c.req.valid('param').id))) {
        throw new ApiError(404, 'automation_not_found', 'automation rule not found');
      }
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/automations/{id}/test',
      operationId: 'testAutomation',
      summary: 'Dry-run an automation rule on a ticket',
      description: 'What the rule would do to the ticket now; nothing is changed, sent or recorded.',
      tags: ['automations'],
      parameters,
      request: { params: AutomationParams, body: jsonBody(DryRunBody) },
      responses: { 200: json(DryRun, 'whether it matches and the actions it would take'), ...errors(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const r = await rule(tenant, c.req.valid('param').id);
      const { ticket } = await deps.store.load(tenant, c.req.valid('json').ticket_id);
      if (!ticket) throw new ApiError(404, 'not_found', 'ticket not found');
      const now = deps.now();
      const matched =
        'idle' in r.when
          ? ruleMatchesIdle(r, ticket, now.getTime())
          : ruleMatchesEvent(r, { action: r.when.event, ticket, changedFields: [], actor: c.get('principal').id });
      const hooks = new Set((await deps.consumerStore.webhooks(tenant)).map((h) => h.id));
      return c.json({ matched, actions: planActions(r, ticket).map((a) => dryRunAction(a, ticket, hooks)) }, 200);
    },
  );
  return app;
}

function dryRunAction(action: PlannedAction, ticket: Ticket, hooks: ReadonlySet<string>) {
  switch (action.kind) {
    case 'fields':
      return { kind: action.kind, detail: { ...action.changes }, applies: true };
    case 'transition':
      return { kind: action.kind, detail: { name: action.name, comment: action.comment }, applies: isEnabled(markingOf(ticket.status), action.name) };
    case 'comment':
      return { kind: action.kind, detail: { body: action.body, internal: action.internal }, applies: true };
    case 'notify':
      return { kind: action.kind, detail: { webhook_id: action.webhookId }, applies: hooks.has(action.webhookId) };
    default: {
      const unreachable: never = action;
      throw new Error(`unhandled action ${JSON.stringify(unreachable)}`);
    }
  }
}
