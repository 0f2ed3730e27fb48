// Domain fixtures shared by the unit tests: a command context and a stored ticket.
import type { CommandContext, Decision } from '../../src/domain/decision.js';
import type { Ticket } from '../../src/domain/ticket.js';
import type { SlaSettings } from '../../src/domain/sla.js';

export const CREATED_AT = '2025-01-01T09:00:00.000Z';
export const NOW = '2025-01-02T10:30:00.000Z';

export function context(overrides: Partial<CommandContext> = {}): CommandContext {
  let n = 0;
  return {
    tenant: 'acme',
    principal: { id: 'alice', roles: ['agent'] },
    correlationId: 'corr-1',
    now: NOW,
    newId: () => `id-${++n}`,
    severityKeywords: ['critical', 'major'],
    ...overrides,
  };
}

export function existing(overrides: Partial<Ticket> = {}): Ticket {
  return {
    id: 'ticket-1',
    tenant: 'acme',
    title: 'Printer jams',
    description: 'Paper jam on floor 2',
    createdBy: 'bob',
    type: 'support',
    priority: 'medium',
    status: 'new',
    customerId: 'cust-7',
    customerTier: 'premium',
    assignee: null,
    tags: ['printer', 'floor:2'],
    externalId: null,
    escalationLevel: 0,
    githubIssue: null,
    sla: null,
    version: 3,
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    resolvedAt: null,
    closedAt: null,
    statusChangedAt: CREATED_AT,
    ...overrides,
  };
}

export function accepted(decision: Decision) {
  if (!decision.ok) throw new Error(`expected the command to be accepted, got ${decision.code}`);
  return decision;
}

/**
 * SLA settings under which no ticket gets a clock: for suites that count the events a decision
 * commits and are not about the SLA, which would add its metric events (SPEC §12) to each.
 */
export const NO_SLA: SlaSettings = { policy: { standard: null, premium: null, enterprise: null }, alertThreshold: 0.85 };
