// SPEC §4: the workflow net. Every place × every transition × every role is checked against
// the table in the spec, written out here independently of the definition under test.
import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/roles.js';
import {
  PLACES,
  type Place,
  TICKET_NET,
  TRANSITION_NAMES,
  availableFrom,
  availableTransitions,
  enabledTransitions,
  fire,
  markingOf,
  placeOf,
  workflowDocument,
  workflowMermaid,
} from '../../src/domain/workflow.js';

/** SPEC §4, verbatim: transition → from, to, the role that may fire it. */
const SPEC: Record<string, { from: Place; to: Place; role: Role }> = {
  assign: { from: 'new', to: 'assigned', role: 'agent' },
  start_work: { from: 'assigned', to: 'in_progress', role: 'agent' },
  escalate: { from: 'in_progress', to: 'escalated', role: 'agent' },
  request_info: { from: 'in_progress', to: 'pending_customer', role: 'agent' },
  customer_reply: { from: 'pending_customer', to: 'in_progress', role: 'customer' },
  resolve: { from: 'in_progress', to: 'resolved', role: 'agent' },
  resolve_escalated: { from: 'escalated', to: 'resolved', role: 'supervisor' },
  close: { from: 'resolved', to: 'closed', role: 'agent' },
  reopen: { from: 'closed', to: 'new', role: 'customer' },
};

/** Who may fire a transition needing `needed`: inheritance (supervisor ⊇ agent, admin ⊇ supervisor), admin fires anything. */
const ALLOWED: Record<Role, (needed: Role) => boolean> = {
  customer: (needed) => needed === 'customer',
  agent: (needed) => needed === 'agent',
  supervisor: (needed) => needed === 'agent' || needed === 'supervisor',
  admin: () => true,
};
const ROLES: Role[] = ['customer', 'agent', 'supervisor', 'admin'];

describe('the net as data', () => {
  it('has exactly the places and transitions of the spec, new first', () => {
    expect([...PLACES]).toEqual(['new', 'assigned', 'in_progress', 'escalated', 'pending_customer', 'resolved', 'closed']);
    expect(TICKET_NET.initial).toBe('new');
    expect(new Set(TRANSITION_NAMES)).toEqual(new Set(Object.keys(SPEC)));
  });

  it('describes every transition with one input arc from its source and one output arc to its target', () => {
    const doc = workflowDocument();
    for (const [name, spec] of Object.entries(SPEC)) {
      expect(doc.arcs).toContainEqual({ from: spec.from, to: name, kind: 'input' });
      expect(doc.arcs).toContainEqual({ from: name, to: spec.to, kind: 'output' });
      expect(doc.transitions.find((t) => t.name === name)).toMatchObject({ from: [spec.from], to: [spec.to], roles: [spec.role] });
    }
    expect(doc.arcs).toHaveLength(2 * TRANSITION_NAMES.length);
  });

  it('draws a Mermaid state diagram with one labelled edge per transition', () => {
    const diagram = workflowMermaid();
    expect(diagram.startsWith('stateDiagram-v2\n    [*] --> new\n')).toBe(true);
    for (const [name, spec] of Object.entries(SPEC)) expect(diagram).toContain(`${spec.from} --> ${spec.to}: ${name} (${spec.role})`);
    expect(diagram.trim().split('\n')).toHaveLength(2 + TRANSITION_NAMES.length);
  });
});

describe('firing: every place × every transition × every role', () => {
  const cases = PLACES.flatMap((place) => Object.keys(SPEC).flatMap((name) => ROLES.map((role) => [place, name, role] as const)));

  it.each(cases)('in %s, %s fired by %s', (place, name, role) => {
    const spec = SPEC[name]!;
    const result = fire(markingOf(place), name, { roles: [role] });
    if (spec.from !== place) {
      expect(result).toMatchObject({ ok: false, code: 'transition_not_enabled', transition: name, from: place });
    } else if (!ALLOWED[role](spec.role)) {
      expect(result).toEqual({ ok: false, code: 'role_not_allowed', transition: name, roles: [spec.role] });
    } else {
      expect(result).toEqual({ ok: true, marking: { [spec.to]: 1 }, transition: name, from: place, to: spec.to });
    }
  });

  it('refuses a name that is no transition, whatever the place', () => {
    for (const place of PLACES) {
      expect(fire(markingOf(place), 'teleport', { roles: ['admin'] })).toEqual({ ok: false, code: 'unknown_transition', transition: 'teleport' });
      expect(fire(markingOf(place), 'toString', { roles: ['admin'] })).toMatchObject({ code: 'unknown_transition' });
    }
  });

  it('names, when refusing a transition that is not enabled, the ones the caller could fire instead', () => {
    expect(fire(markingOf('in_progress'), 'close', { roles: ['agent'] })).toMatchObject({ enabled: ['escalate', 'request_info', 'resolve'] });
    expect(fire(markingOf('in_progress'), 'close', { roles: ['customer'] })).toMatchObject({ enabled: [] });
  });

  it('leaves the marking it was given untouched', () => {
    const marking = markingOf('new');
    fire(marking, 'assign', { roles: ['agent'] });
    expect(marking).toEqual({ new: 1 });
  });
});

describe('reachability', () => {
  it('reaches every place from new, and only through transitions', () => {
    const seen = new Set<Place>(['new']);
    const queue: Place[] = ['new'];
    while (queue.length > 0) {
      const place = queue.shift()!;
      for (const name of enabledTransitions(markingOf(place))) {
        const result = fire(markingOf(place), name, { roles: ['admin'] });
        if (!result.ok) throw new Error(`admin could not fire enabled ${name}`);
        if (!seen.has(result.to)) queue.push(result.to);
        seen.add(result.to);
      }
    }
    expect(seen).toEqual(new Set(PLACES));
  });

  it('keeps exactly one token in a ticket marking', () => {
    expect(() => placeOf({})).toThrow();
    expect(() => placeOf({ new: 1, closed: 1 })).toThrow();
    expect(placeOf({ escalated: 1 })).toBe('escalated');
  });
});

describe('the transitions a caller sees', () => {
  it.each([
    ['new', 'agent', ['assign']],
    ['new', 'customer', []],
    ['in_progress', 'agent', ['escalate', 'request_info', 'resolve']],
    ['escalated', 'agent', []],
    ['escalated', 'supervisor', ['resolve_escalated']],
    ['pending_customer', 'customer', ['customer_reply']],
    ['pending_customer', 'supervisor', []],
    ['pending_customer', 'admin', ['customer_reply']],
    ['closed', 'customer', ['reopen']],
    ['closed', 'agent', []],
  ] as const)('in %s, a %s may fire %j', (place, role, expected) => {
    expect(availableTransitions(markingOf(place), { roles: [role] })).toEqual(expected);
  });

  it('adds up the roles of a caller holding several', () => {
    expect(availableTransitions(markingOf('closed'), { roles: ['agent', 'customer'] })).toEqual(['reopen']);
  });

  it('gives the same answer worked out once per place and roles, frozen', () => {
    for (const place of PLACES) {
      for (const roles of [['agent'], ['customer'], ['supervisor'], ['admin'], ['agent', 'customer'], []] as Role[][]) {
        const once = availableFrom(place, { roles });
        expect(once).toEqual(availableTransitions(markingOf(place), { roles }));
        expect(availableFrom(place, { roles })).toBe(once);
        expect(Object.isFrozen(once)).toBe(true);
      }
    }
  });
});
