// A rule as stored and as answered: the validated input, kept as JSON beside the columns the store
// orders and scans by, and parsed again when read.
import type { StoredAutomation } from '../store/consumerPort.js';
import { type AutomationRule, type AutomationRuleInput, AutomationRuleInputSchema } from './ruleSchema.js';

export function storedAutomation(tenant: string, id: string, input: AutomationRuleInput, createdAt: string, updatedAt: string): StoredAutomation {
  return { tenant, id, position: input.position, enabled: input.enabled, idle: 'idle' in input.when, rule: input, createdAt, updatedAt };
}

/** The stored rule, or undefined when what is stored no longer passes the schema. */
export function storedRule(row: StoredAutomation): AutomationRule | undefined {
  const parsed = AutomationRuleInputSchema.safeParse(row.rule);
  if (!parsed.success) return undefined;
  return { ...parsed.data, id: row.id, tenant: row.tenant, createdAt: row.createdAt, updatedAt: row.updatedAt };
}

/** A rule as the API answers it. */
export function ruleJson(rule: AutomationRule) {
  return {
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled,
    position: rule.position,
    when: rule.when,
    actions: rule.actions,
    created_at: rule.createdAt,
    updated_at: rule.updatedAt,
  };
}
