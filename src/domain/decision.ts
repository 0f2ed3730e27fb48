// What a decider is given (the command context) and what it returns (a decision or a refusal).
import type { DomainEvent } from './events.js';
import type { Priority } from './fields.js';
import type { Principal } from './roles.js';
import type { SlaSettings } from './sla.js';
import type { Ticket } from './ticket.js';
import type { Place, TransitionName } from './workflow.js';

/** Everything a decider needs from outside: who, when, and fresh ids. */
export type CommandContext = {
  tenant: string;
  /** The caller; the actor of every event is principal.id. */
  principal: Principal;
  correlationId: string;
  now: string;
  newId: () => string;
  severityKeywords: readonly string[];
  /** The tenant's SLA policy and alert threshold (defaults: SPEC §6 table, 0.85). */
  sla?: SlaSettings | undefined;
  /** The tenant's routing rules: who gets a new ticket of each priority. */
  routing?: RoutingRules | undefined;
};

/** Per-tenant routing (SPEC §6): priority → assignee, with a fallback for the rest. */
export type RoutingRules = { rules: ReadonlyArray<{ priority: Priority; assignee: string }>; fallback: string | null };

export type Refusal =
  | { ok: false; code: 'not_found' }
  | { ok: false; code: 'version_mismatch'; expected: string; actual: number }
  | { ok: false; code: 'external_id_taken'; externalId: string }
  | { ok: false; code: 'forbidden'; reason: string; field?: string }
  | { ok: false; code: 'assignee_required' }
  | { ok: false; code: 'unknown_transition'; transition: string }
  | { ok: false; code: 'transition_not_enabled'; transition: TransitionName; from: Place; enabled: TransitionName[] }
  | { ok: false; code: 'role_not_allowed'; transition: TransitionName; roles: readonly string[] };

/** How a decision changes the stored ticket. */
export type Write =
  | { kind: 'insert'; ticket: Ticket }
  | { kind: 'update'; ticket: Ticket }
  | { kind: 'delete'; ticket: Ticket }
  | { kind: 'none'; ticket: Ticket };

/** A decision: the ticket as it should be stored (or deleted / left alone) and the events it raises. */
export type Decision = { ok: true; write: Write; events: DomainEvent[] } | Refusal;
