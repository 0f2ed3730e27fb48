// A tenant's effective settings: the service-wide SLA policy, keywords and threshold, overlaid
// with what the tenant's admin PUT. Cached briefly: every create reads them.
import { type SlaPolicy, type SlaSettings, overridePolicy } from '../domain/sla.js';
import type { RoutingRules } from '../domain/decision.js';
import type { TicketStore } from '../store/port.js';
import { type Routing, RoutingSchema, type Severity, SeveritySchema, type SlaOverride, SlaOverrideSchema } from './schemas.js';

export type TenantSettings = {
  sla: SlaSettings;
  slaOverride: SlaOverride | null;
  routing: RoutingRules | undefined;
  severityKeywords: readonly string[];
};

export type SettingName = 'sla' | 'routing' | 'severity';

export type TenantSettingsSource = {
  get(tenant: string): Promise<TenantSettings>;
  put(tenant: string, name: SettingName, value: SlaOverride | Routing | Severity, at: string): Promise<TenantSettings>;
};

export type SettingsDefaults = { policy: () => SlaPolicy; alertThreshold: number; severityKeywords: readonly string[] };

type StoredSettings = { slaOverride: SlaOverride | null; routing: Routing | undefined; severity: Severity | undefined };

/** Validated when written; parsed again when read, so a row edited by hand cannot pass as a setting. */
function parseStored(s: Record<string, unknown>): StoredSettings {
  return {
    slaOverride: s.sla === undefined ? null : SlaOverrideSchema.parse(s.sla),
    routing: s.routing === undefined ? undefined : RoutingSchema.parse(s.routing),
    severity: s.severity === undefined ? undefined : SeveritySchema.parse(s.severity),
  };
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
  // The policy file may change under us: the overlay is computed per call, it is cheap.
  const resolve = ({ slaOverride, routing, severity }: StoredSettings): TenantSettings => {
    return {
      sla: { policy: slaOverride ? overridePolicy(defaults.policy(), slaOverride.tiers) : defaults.policy(), alertThreshold: defaults.alertThreshold },
      slaOverride,
      routing: routing && (routing.rules.length > 0 || routing.fallback) ? routing : undefined,
      severityKeywords: severity ? severity.keywords.map((k) => k.toLowerCase()) : defaults.severityKeywords,
    };
  };
  return {
    async get(tenant) {
      return resolve(await stored(tenant));
    },
    async put(tenant, name, value, at) {
      await store.putTenantSetting(tenant, name, value, at);
      cache.delete(tenant);
      return resolve(await stored(tenant));
    },
  };
}
