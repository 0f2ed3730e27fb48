// An automation chain (SPEC §13): the rules whose changes led to an event travel in its
// correlation id, after the caller's own, as `<root>~auto:<rule>+<rule>`. So a chain stops at
// depth 3 and never runs one rule twice, in any replica, with nothing stored beside the events.
export const MAX_CHAIN_DEPTH = 3;
const MARK = '~auto:';

/** The correlation id the chain started under and the rules that have acted in it, in order. */
export type Chain = { root: string; rules: readonly string[] };

export function chainOf(correlationId: string): Chain {
  const at = correlationId.lastIndexOf(MARK);
  if (at < 0) return { root: correlationId, rules: [] };
  const rules = correlationId.slice(at + MARK.length).split('+');
  return { root: correlationId.slice(0, at), rules };
}

/** The correlation id of the changes `ruleId` makes in this chain. */
export function correlationOf(chain: Chain, ruleId: string): string {
  return `${chain.root}${MARK}${[...chain.rules, ruleId].join('+')}`;
}

/** Whether the rule may act on an event of this chain: not past the depth, not a second time. */
export function mayAct(chain: Chain, ruleId: string): boolean {
  return chain.rules.length < MAX_CHAIN_DEPTH && !chain.rules.includes(ruleId);
}
