// SLA_CONFIG_PATH: the SLA policy and its calendars from a YAML file, reloaded when the file changes. A broken file
// keeps the last good policy and says why in the log.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError } from '../config.js';
import { DEFAULT_SLA_POLICY, type SlaPolicy, overridePolicy } from '../domain/sla.js';
import type { z } from '@hono/zod-openapi';
import { ALWAYS_OPEN_NAME, type CalendarSpec } from '../domain/calendar.js';
import { SlaPolicyFileSchema } from './schemas.js';
import { type TierCalendars, splitTiers } from './slaLayers.js';

/** What the file sets: the tiers' targets, each tier's calendar, and the calendars every tenant may name. */
export type PolicyFile = { policy: SlaPolicy; tierCalendars: TierCalendars; calendars: Readonly<Record<string, CalendarSpec>> };
export type PolicySource = { current(): PolicyFile; stop(): void };

type ParseYaml = (text: string) => unknown;

const NO_FILE: PolicyFile = { policy: DEFAULT_SLA_POLICY, tierCalendars: {}, calendars: {} };

/** Reads the file once; throws with a message naming what is wrong. */
export function readPolicyFile(path: string, parse: ParseYaml): PolicyFile {
  const parsed = SlaPolicyFileSchema.safeParse(parse(readFileSync(path, 'utf8')));
  const problems = parsed.success ? unknownCalendars(parsed.data) : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  if (!parsed.success || problems.length > 0) throw new Error(problems.join('; '));
  const { targets, calendars: tierCalendars } = splitTiers(parsed.data.tiers);
  return { policy: overridePolicy(DEFAULT_SLA_POLICY, targets), tierCalendars, calendars: parsed.data.calendars ?? {} };
}

/** A tier may name the file's own calendars or 24x7. */
function unknownCalendars(file: z.infer<typeof SlaPolicyFileSchema>): string[] {
  const { calendars } = splitTiers(file.tiers);
  return Object.entries(calendars)
    .filter(([, name]) => name !== ALWAYS_OPEN_NAME && !Object.hasOwn(file.calendars ?? {}, name))
    .map(([tier, name]) => `tiers.${tier}.calendar: unknown calendar ${JSON.stringify(name)} (define it under calendars)`);
}

export async function watchPolicyFile(path: string | undefined, log: Logger, { intervalMs = 1000 } = {}): Promise<PolicySource> {
  if (!path) return { current: () => NO_FILE, stop: () => undefined };
  // The YAML parser is loaded only where a policy file is configured. It is a CommonJS package:
  // its exports are taken from `default`, the one shape both Node and the bundle give it.
  const { default: YAML } = await import('yaml');
  const parse = YAML.parse;
  // At start a broken file is a configuration error: there is no last good policy to keep.
  let policy: PolicyFile;
  try {
    policy = readPolicyFile(path, parse);
  } catch (error) {
    throw new ConfigError([`SLA_CONFIG_PATH=${JSON.stringify(path)}: ${(error as Error).message}`]);
  }
  log.info({ operation: 'sla_policy', path }, 'SLA policy loaded');
  const reload = () => {
    try {
      policy = readPolicyFile(path, parse);
      log.info({ operation: 'sla_policy', path }, 'SLA policy reloaded');
    } catch (error) {
      log.error({ operation: 'sla_policy', path, err: (error as Error).message }, 'SLA policy file is broken; keeping the last good policy');
    }
  };
  // Polling, not fs.watch: editors replace files by rename and container mounts drop inotify events.
  watchFile(path, { interval: intervalMs, persistent: false }, (now, before) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) reload();
  });
  return { current: () => policy, stop: () => unwatchFile(path) };
}
