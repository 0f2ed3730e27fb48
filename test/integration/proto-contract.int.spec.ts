// `npm run proto:check` guards the seed's wire contract: lint passes, and changing a seed field's
// number or type is caught by `buf breaking` against proto-baseline/.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const buf = resolve('node_modules/.bin/buf');
const baseline = resolve('proto-baseline');
let work: string | undefined;
afterEach(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs buf breaking over a copy of proto/ edited by `edit`; returns buf's complaint, or '' when it passes. */
function breakingAfter(edit: (proto: string) => string): string {
  work = mkdtempSync(join(tmpdir(), 'ticket-svc-proto-'));
  cpSync('proto', join(work, 'proto'), { recursive: true });
  cpSync('buf.yaml', join(work, 'buf.yaml'));
  const file = join(work, 'proto/ticketpb/ticket.proto');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  try {
    execFileSync(buf, ['breaking', 'proto', '--against', baseline], { cwd: work, stdio: 'pipe' });
    return '';
  } catch (error) {
    return String((error as { stdout?: Buffer }).stdout ?? error);
  }
}

describe('the protobuf contract check', () => {
  it('passes lint and breaking on the schema as committed', () => {
    expect(() => execFileSync(buf, ['lint'], { stdio: 'pipe' })).not.toThrow();
    expect(breakingAfter((p) => p)).toBe('');
  });

  it('fails when a seed field changes its number', () => {
    expect(breakingAfter((p) => p.replace('string title = 3;', 'string title = 30;'))).toMatch(/title|3/);
  });

  it('fails when a seed field changes its type', () => {
    expect(breakingAfter((p) => p.replace('string occurred_at = 3;', 'int64 occurred_at = 3;'))).toMatch(/occurred_at|type/);
  });

  it('accepts a new field with a new number', () => {
    expect(breakingAfter((p) => p.replace('string closed_at = 19;', 'string closed_at = 19;\n  string region = 99;'))).toBe('');
  });
});
