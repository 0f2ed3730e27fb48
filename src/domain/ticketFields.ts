// A ticket's plain fields under their wire names (snake_case, SPEC §3): the one map the JSON
// representation and the stored row both start from.
import type { Ticket } from './ticket.js';

export function plainFields(t: Ticket) {
  return {
    id: t.id,
    tenant: t.tenant,
    title: t.title,
    description: t.description,
    created_by: t.createdBy,
    type: t.type,
    priority: t.priority,
    status: t.status,
    customer_id: t.customerId,
    customer_tier: t.customerTier,
    assignee: t.assignee,
    external_id: t.externalId,
    escalation_level: t.escalationLevel,
    version: t.version,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    resolved_at: t.resolvedAt,
    closed_at: t.closedAt,
    status_changed_at: t.statusChangedAt,
  };
}
