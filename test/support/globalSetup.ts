// Process-level tests run the built service (dist/bundle, as `npm start` does) and the CLI (dist/src).
// Build both if `npm test`'s pretest did not, and bundle again when tsc's output is newer than the
// bundle (a `npx tsc` alone would otherwise leave the process tests running the old code).
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const newer = (a: string, b: string) => statSync(a).mtimeMs > statSync(b).mtimeMs;

export default function setup(): void {
  if (!existsSync('dist/src/cli.js') || !existsSync('dist/src/main.js')) execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  else if (!existsSync('dist/bundle/main.js') || newer('dist/src/main.js', 'dist/bundle/main.js'))
    execFileSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
}
