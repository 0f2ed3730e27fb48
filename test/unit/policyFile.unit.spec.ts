// SLA_CONFIG_PATH (SPEC §12): the YAML policy names each tier's calendar and may define the
// calendars every tenant can name; a tier naming a calendar that is not there is refused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { readPolicyFile } from '../../src/settings/policyFile.js';

const dir = mkdtempSync(join(tmpdir(), 'policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (text: string) => {
  const path = join(dir, `${Math.random()}.yaml`);
  writeFileSync(path, text);
  return path;
};

describe('the SLA policy file', () => {
  it('gives tiers their calendars and targets, next_reply included', () => {
    const policy = readPolicyFile(
      file(`
calendars:
  office:
    timezone: Europe/Berlin
    hours: { mon: [["09:00", "17:00"]], fri: [["09:00", "12:00"], ["13:00", "17:00"]] }
    holidays: ["2026-12-25"]
tiers:
  enterprise:
    calendar: office
    critical: { response: 5, next_reply: 30, resolution: 60 }
`),
      YAML.parse,
    );
    expect(policy.tierCalendars).toEqual({ enterprise: 'office' });
    expect(policy.calendars.office?.timezone).toBe('Europe/Berlin');
    expect(policy.policy.enterprise?.critical).toEqual({ response: 5, next_reply: 30, resolution: 60 });
    expect(policy.policy.standard?.critical).toEqual({ response: 15, resolution: 240 });
  });

  it('refuses a tier naming a calendar it does not define, and a bad calendar, naming the field', () => {
    expect(() => readPolicyFile(file('tiers:\n  standard:\n    calendar: office\n'), YAML.parse)).toThrow(
      /tiers\.standard\.calendar: unknown calendar "office"/,
    );
    expect(() =>
      readPolicyFile(file('calendars:\n  office:\n    timezone: Mars/Base\n    hours: { mon: [["09:00", "17:00"]] }\ntiers: {}\n'), YAML.parse),
    ).toThrow(/calendars\.office\.timezone/);
    expect(readPolicyFile(file('tiers:\n  standard:\n    calendar: 24x7\n'), YAML.parse).tierCalendars).toEqual({ standard: '24x7' });
  });
});
