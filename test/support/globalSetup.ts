// Process-level tests run the built service (dist/bundle, as `npm start` does) and the CLI (dist/src);
// build both once if `npm test`'s pretest did not.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export default function setup(): void {
  if (!existsSync('dist/src/cli.js') || !existsSync('dist/bundle/main.js')) execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
}
