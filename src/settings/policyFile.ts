// SLA_CONFIG_PATH: the SLA policy from a YAML file, reloaded when the file changes. A broken file
// keeps the last good policy and says why in the log.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError } from '../config.js';
import { DEFAULT_SLA_POLICY, type SlaPolicy, overridePolicy } from '../domain/sla.js';
import { SlaOverrideSchema } from './schemas.js';

export type PolicySource = { current(): SlaPolicy; stop(): void };

type ParseYaml = (text: string) => unknown;

/** Reads the file once; throws with a message naming what is wrong. */
export function readPolicyFile(path: string, parse: ParseYaml): SlaPolicy {
  const parsed = SlaOverrideSchema.safeParse(parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  return overridePolicy(DEFAULT_SLA_POLICY, parsed.data.tiers);
}

export async function watchPolicyFile(path: string | undefined, log: Logger, { intervalMs = 1000 } = {}): Promise<PolicySource> {
  if (!path) return { current: () => DEFAULT_SLA_POLICY, stop: () => undefined };
  // The YAML parser is loaded only where a policy file is configured. It is a CommonJS package:
  // its exports are taken from `default`, the one shape both Node and the bundle give it.
  const { default: YAML } = await import('yaml');
  const parse = YAML.parse;
  // At start a broken file is a configuration error: there is no last good policy to keep.
  let policy: SlaPolicy;
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
