// A tenant's effective settings: the service-wide SLA policy, calendars, keywords and threshold,
// overlaid with what the tenant's admin PUT. Cached briefly: every create reads them.
import { ALWAYS_OPEN, ALWAYS_OPEN_NAME, type Calendar, type CalendarSpec, compileCalendar } from '../domain/calendar.js';
import type { RoutingRules } from '../domain/decision.js';
import type { CustomerTier } from '../domain/fields.js';
import { type SlaPolicy, type SlaSettings, overridePolicy } from '../domain/sla.js';
import type { TicketStore } from '../store/port.js';
import { getOrAdd } from '../getOrAdd.js';
import { ALWAYS_OPEN_SPEC, type CalendarsBody, CalendarsSchema } from './calendarSchema.js';
import type { PolicyFile } from './policyFile.js';
import { type Routing, RoutingSchema, type Severity, SeveritySchema, type SlaOverride, SlaOverrideSchema } from './schemas.js';
import { type TierCalendars, splitTiers } from './slaLayers.js';

export type TenantSettings = {
  sla: SlaSettings;
  slaOverride: SlaOverride | null;
  /** The calendar each tier counts in, by name. */
  tierCalendars: Record<CustomerTier, string>;
  /** A calendar by name, compiled; 24x7 for a name no longer defined. */
  calendarNamed: (name: string) => Calendar;
  /** Every calendar the tenant may name: 24x7, the policy file's, its own. */
  calendars: Readonly<Record<string, CalendarSpec>>;
  /** The policy file's calendars, which every tenant may name. */
  sharedCalendars: Readonly<Record<string, CalendarSpec>>;
  routing: RoutingRules | undefined;
  severityKeywords: readonly string[];
};

export type SettingName = 'sla' | 'routing' | 'severity' | 'calendars';
type SettingValue = SlaOverride | Routing | Severity | CalendarsBody;

export type TenantSettingsSource = {
  get(tenant: string): Promise<TenantSettings>;
  put(tenant: string, name: SettingName, value: SettingValue, at: string): Promise<TenantSettings>;
};

export type SettingsDefaults = {
  policy: () => SlaPolicy;
  alertThreshold: number;
  severityKeywords: readonly string[];
  /** The policy file's tier calendars and calendars; none without a file. */
  calendars?: (() => Pick<PolicyFile, 'tierCalendars' | 'calendars'>) | undefined;
};

type StoredSettings = { slaOverride: SlaOverride | null; routing: Routing | undefined; severity: Severity | undefined; calendars: CalendarsBody | undefined };

/** Validated when written; parsed again when read, so a row edited by hand cannot pass as a setting. */
function parseStored(s: Record<string, unknown>): StoredSettings {
  return {
    slaOverride: s.sla === undefined ? null : SlaOverrideSchema.parse(s.sla),
    routing: s.routing === undefined ? undefined : RoutingSchema.parse(s.routing),
    severity: s.severity === undefined ? undefined : SeveritySchema.parse(s.severity),
    calendars: s.calendars === undefined ? undefined : CalendarsSchema.parse(s.calendars),
  };
}

const TIERS: readonly CustomerTier[] = ['standard', 'premium', 'enterprise'];

// Compiled once per spec object: stored settings are parsed once per cache fill and the policy
// file once per reload, so the same objects come back call after call.
const compiled = new WeakMap<CalendarSpec, Map<string, Calendar>>();
function compiledCalendar(name: string, spec: CalendarSpec): Calendar {
  const byName = getOrAdd(compiled, spec, () => new Map<string, Calendar>());
  return getOrAdd(byName, name, () => compileCalendar(name, spec));
}

export function createTenantSettings(store: TicketStore, defaults: SettingsDefaults, { cacheMs = 2000 } = {}): TenantSettingsSource {
  const cache = new Map<string, { at: number; stored: StoredSettings }>();
  const stored = async (tenant: string) => {
    const hit = cache.get(tenant);
    if (hit && Date.now() - hit.at < cacheMs) return hit.stored;
    const value = parseStored(await store.tenantSettings(tenant));
    cache.set(tenant, { at: Date.now(), stored: value });
    return value;
  };
  const resolve = ({ slaOverride, routing, severity, calendars: own }: StoredSettings): TenantSettings => {
    const file = defaults.calendars?.() ?? { tierCalendars: {}, calendars: {} };
    const layers = slaOverride ? splitTiers(slaOverride.tiers) : undefined;
    const calendars: Record<string, CalendarSpec> = { ...file.calendars, ...own?.calendars, [ALWAYS_OPEN_NAME]: ALWAYS_OPEN_SPEC };
    const named: TierCalendars = { ...file.tierCalendars, ...layers?.calendars };
    const tierCalendars = Object.fromEntries(TIERS.map((t) => [t, named[t] ?? ALWAYS_OPEN_NAME])) as Record<CustomerTier, string>;
    const calendarNamed = (name: string): Calendar => {
      const spec = name === ALWAYS_OPEN_NAME ? undefined : calendars[name];
      return spec ? compiledCalendar(name, spec) : ALWAYS_OPEN;
    };
    const calendarFor = (tier: CustomerTier): Calendar => calendarNamed(tierCalendars[tier]);
    return {
      sla: {
        policy: layers ? overridePolicy(defaults.policy(), layers.targets) : defaults.policy(),
        alertThreshold: defaults.alertThreshold,
        calendarFor,
      },
      slaOverride,
      tierCalendars,
      calendars,
      calendarNamed,
      sharedCalendars: file.calendars,
      routing: routing && (routing.rules.length > 0 || routing.fallback) ? routing : undefined,
      severityKeywords: severity ? severity.keywords.map((k) => k.toLowerCase()) : defaults.severityKeywords,
    };
  };
  // Resolved once per stored value and policy file (both are replaced, never changed in place).
  const resolved = new WeakMap<StoredSettings, { policy: SlaPolicy; file: unknown; settings: TenantSettings }>();
  const effective = (s: StoredSettings): TenantSettings => {
    const policy = defaults.policy();
    const file = defaults.calendars?.();
    const hit = resolved.get(s);
    if (hit && hit.policy === policy && hit.file === file) return hit.settings;
    const settings = resolve(s);
    resolved.set(s, { policy, file, settings });
    return settings;
  };
  return {
    async get(tenant) {
      return effective(await stored(tenant));
    },
    async put(tenant, name, value, at) {
      await store.putTenantSetting(tenant, name, value, at);
      cache.delete(tenant);
      return effective(await stored(tenant));
    },
  };
}
