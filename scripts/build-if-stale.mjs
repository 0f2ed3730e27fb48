// `npm start`, the CLI scripts and the bench run the built program; this builds it first only when a source
// is newer than the build (or there is none), so a start after the first is immediate.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outputs = ['dist/bundle/main.js', 'dist/src/cli.js', 'dist/bench/run.js'].map((p) => join(root, p));
const inputs = ['src', 'bench', 'scripts/bundle.mjs', 'tsconfig.json', 'package.json', 'package-lock.json'].map((p) => join(root, p));

/** The newest modification time under a file or folder. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  // The bench's results are written by runs, not compiled.
  return readdirSync(path)
    .filter((name) => name !== 'results')
    .reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

const built = outputs.every(existsSync) ? Math.min(...outputs.map((p) => statSync(p).mtimeMs)) : 0;
const changed = Math.max(...inputs.map(newest));
if (changed > built) {
  process.stderr.write(built === 0 ? 'building (no build yet)\n' : 'building (sources changed since the last build)\n');
  const run = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (run.error) process.stderr.write(`could not run the build: ${run.error.message}\n`);
  process.exit(run.status ?? 1);
}
