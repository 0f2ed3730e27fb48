// An SLA override's tiers hold two things: targets per priority and the tier's calendar name.
// The policy layers the targets; the calendar names layer on their own.
import type { CustomerTier, Priority } from '../domain/fields.js';
import type { SlaTargets } from '../domain/sla.js';
import type { SlaOverride } from './schemas.js';

export type TierCalendars = Partial<Record<CustomerTier, string>>;
type TargetLayer = Partial<Record<CustomerTier, Partial<Record<Priority, SlaTargets>> | null>>;

/** The override's targets (as overridePolicy takes them) and its tiers' calendar names. */
export function splitTiers(tiers: SlaOverride['tiers']): { targets: TargetLayer; calendars: TierCalendars } {
  const targets: TargetLayer = {};
  const calendars: TierCalendars = {};
  for (const tier of Object.keys(tiers) as CustomerTier[]) {
    const layer = tiers[tier];
    if (layer === undefined) continue;
    if (layer === null) {
      targets[tier] = null;
      continue;
    }
    const { calendar, ...byPriority } = layer;
    targets[tier] = byPriority;
    if (calendar !== undefined) calendars[tier] = calendar;
  }
  return { targets, calendars };
}
