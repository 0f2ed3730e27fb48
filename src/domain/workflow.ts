// The ticket workflow as a Petri net: places, transitions, arcs and roles are data, and one
// pure fire() decides every move. Validation, the enabled set, permissions and the diagrams
// all read TICKET_NET; nothing else knows how a ticket moves.
import { type Principal, ROLE_INHERITS, type Role, effectiveRoles } from './roles.js';

export const PLACES = ['new', 'assigned', 'in_progress', 'escalated', 'pending_customer', 'resolved', 'closed'] as const;
export type Place = (typeof PLACES)[number];

export type TransitionDef = {
  /** Places a token is taken from (input arcs), each must hold one. */
  readonly inputs: readonly Place[];
  /** Places a token is put in (output arcs). */
  readonly outputs: readonly Place[];
  /** Roles that may fire it (inheritance applies; admin may fire anything). */
  readonly roles: readonly Role[];
  readonly description: string;
};

export const TICKET_NET = {
  places: PLACES,
  initial: 'new',
  transitions: {
    assign: { inputs: ['new'], outputs: ['assigned'], roles: ['agent'], description: 'give the ticket to an assignee' },
    start_work: { inputs: ['assigned'], outputs: ['in_progress'], roles: ['agent'], description: 'the assignee starts working' },
    escalate: { inputs: ['in_progress'], outputs: ['escalated'], roles: ['agent'], description: 'hand over to a supervisor' },
    request_info: { inputs: ['in_progress'], outputs: ['pending_customer'], roles: ['agent'], description: 'wait for the customer' },
    customer_reply: { inputs: ['pending_customer'], outputs: ['in_progress'], roles: ['customer'], description: 'the customer answered' },
    resolve: { inputs: ['in_progress'], outputs: ['resolved'], roles: ['agent'], description: 'the problem is solved' },
    resolve_escalated: { inputs: ['escalated'], outputs: ['resolved'], roles: ['supervisor'], description: 'a supervisor solves an escalation' },
    close: { inputs: ['resolved'], outputs: ['closed'], roles: ['agent'], description: 'close a resolved ticket' },
    reopen: { inputs: ['closed'], outputs: ['new'], roles: ['customer'], description: 'the customer reopens a closed ticket' },
  },
} as const satisfies { places: readonly Place[]; initial: Place; transitions: Record<string, TransitionDef> };

export type TransitionName = keyof typeof TICKET_NET.transitions;
export const TRANSITION_NAMES = Object.keys(TICKET_NET.transitions) as TransitionName[];

/** Tokens per place. A ticket's net is a state machine: exactly one place holds one token. */
export type Marking = Readonly<Partial<Record<Place, number>>>;

export const markingOf = (place: Place): Marking => ({ [place]: 1 });

/** The place a ticket's marking puts it in (the one place holding a token). */
export function placeOf(marking: Marking): Place {
  const marked = PLACES.filter((p) => (marking[p] ?? 0) > 0);
  if (marked.length !== 1) throw new Error(`a ticket marking holds one token, got ${JSON.stringify(marking)}`);
  return marked[0]!;
}

export function isTransitionName(name: string): name is TransitionName {
  return Object.hasOwn(TICKET_NET.transitions, name);
}

/** Structurally enabled: every input place holds a token. */
export function isEnabled(marking: Marking, name: TransitionName): boolean {
  return TICKET_NET.transitions[name].inputs.every((p) => (marking[p] ?? 0) > 0);
}

export function mayFire(principal: Pick<Principal, 'roles'>, name: TransitionName): boolean {
  return allowedFor(effectiveRoles(principal.roles), name);
}

function allowedFor(roles: ReadonlySet<Role>, name: TransitionName): boolean {
  if (roles.has('admin')) return true;
  const def: TransitionDef = TICKET_NET.transitions[name];
  return def.roles.some((r) => roles.has(r));
}

/** The transitions enabled in the marking, in definition order. */
export function enabledTransitions(marking: Marking): TransitionName[] {
  return TRANSITION_NAMES.filter((t) => isEnabled(marking, t));
}

/** The transitions this caller could fire now: enabled and allowed for their roles. */
export function availableTransitions(marking: Marking, principal: Pick<Principal, 'roles'>): TransitionName[] {
  const roles = effectiveRoles(principal.roles);
  return enabledTransitions(marking).filter((t) => allowedFor(roles, t));
}

// Every ticket in a response carries the transitions its caller may fire: a function of its place
// and the caller's roles only, so each answer is worked out once. The key space is small (places ×
// role sets); the bound only guards against role lists no identity would issue.
const AVAILABLE_MEMO_LIMIT = 4096;
const availableMemo = new Map<string, readonly TransitionName[]>();

/** `availableTransitions` for a ticket in `place`, shared and frozen: never modify it. */
export function availableFrom(place: Place, principal: Pick<Principal, 'roles'>): readonly TransitionName[] {
  const key = `${place}\u0000${principal.roles.join('\u0000')}`;
  let found = availableMemo.get(key);
  if (!found) {
    found = Object.freeze(availableTransitions(markingOf(place), principal));
    if (availableMemo.size < AVAILABLE_MEMO_LIMIT) availableMemo.set(key, found);
  }
  return found;
}

export type Firing =
  | { ok: true; marking: Marking; transition: TransitionName; from: Place; to: Place }
  | { ok: false; code: 'unknown_transition'; transition: string }
  | { ok: false; code: 'transition_not_enabled'; transition: TransitionName; from: Place; enabled: TransitionName[] }
  | { ok: false; code: 'role_not_allowed'; transition: TransitionName; roles: readonly Role[] };

/** Fires `name` in `marking` for `principal`: the new marking, or why it cannot fire. */
export function fire(marking: Marking, name: string, principal: Pick<Principal, 'roles'>): Firing {
  if (!isTransitionName(name)) return { ok: false, code: 'unknown_transition', transition: name };
  const from = placeOf(marking);
  if (!isEnabled(marking, name)) {
    return { ok: false, code: 'transition_not_enabled', transition: name, from, enabled: availableTransitions(marking, principal) };
  }
  const def: TransitionDef = TICKET_NET.transitions[name];
  if (!mayFire(principal, name)) return { ok: false, code: 'role_not_allowed', transition: name, roles: def.roles };
  const next: Partial<Record<Place, number>> = { ...marking };
  for (const p of def.inputs) next[p] = (next[p] ?? 0) - 1;
  for (const p of def.outputs) next[p] = (next[p] ?? 0) + 1;
  for (const p of PLACES) if (next[p] === 0) delete next[p];
  return { ok: true, marking: next, transition: name, from, to: placeOf(next) };
}

/** The net as a Mermaid state diagram: one edge per transition, labelled with its name and roles. */
export function workflowMermaid(): string {
  const lines = ['stateDiagram-v2', `    [*] --> ${TICKET_NET.initial}`];
  for (const name of TRANSITION_NAMES) {
    const def: TransitionDef = TICKET_NET.transitions[name];
    for (const from of def.inputs) {
      for (const to of def.outputs) lines.push(`    ${from} --> ${to}: ${name} (${def.roles.join(', ')})`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The net as JSON for GET /workflow: places, transitions with their arcs and roles. */
export function workflowDocument() {
  return {
    places: [...PLACES],
    initial: TICKET_NET.initial,
    transitions: TRANSITION_NAMES.map((name) => {
      const def: TransitionDef = TICKET_NET.transitions[name];
      return { name, from: [...def.inputs], to: [...def.outputs], roles: [...def.roles], description: def.description };
    }),
    arcs: TRANSITION_NAMES.flatMap((name) => {
      const def: TransitionDef = TICKET_NET.transitions[name];
      return [
        ...def.inputs.map((place) => ({ from: place, to: name, kind: 'input' as const })),
        ...def.outputs.map((place) => ({ from: name, to: place, kind: 'output' as const })),
      ];
    }),
    role_inheritance: ROLE_INHERITS,
    admin_fires_any: true,
  };
}
