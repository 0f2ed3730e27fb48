// Bundles the compiled service (dist/src, from tsc) into dist/bundle: what `npm start`, the Docker
// image and the benchmark run. A few chunks instead of hundreds of modules: the idle process keeps
// less memory (module source, records and the young generation that loading them grew).
// Identifiers are not minified, so stack traces read as in the source (esbuild renames only names
// that clash between modules, such as Hono2; keeping every name costs idle RSS); linked source maps
// lead back to src/ for `--enable-source-maps`.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const outdir = 'dist/bundle';

// CommonJS dependencies call `require`; an ES module bundle has none unless it makes one.
const banner = "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);";

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: false,
  sourcemap: 'linked',
  legalComments: 'none',
  banner: { js: banner },
  logLevel: 'warning',
  // Native addons and packages that load files of their own by path stay in node_modules.
  external: ['better-sqlite3', 'pg', 'pg-native', 'pino'],
};

rmSync(outdir, { recursive: true, force: true });
await Promise.all([
  // Optional parts (PostgreSQL, WebSocket, uploads, JWT) are dynamic imports: they become chunks
  // that load only when used, as they do unbundled.
  build({ ...common, entryPoints: ['dist/src/main.js'], outdir, splitting: true }),
  // The SQLite threads are started by file name (threadEntry.ts: ./writerThread.js beside it).
  build({ ...common, entryPoints: ['dist/src/store/sqlite/writerThread.js'], outfile: `${outdir}/writerThread.js` }),
  build({ ...common, entryPoints: ['dist/src/store/sqlite/checkpointerThread.js'], outfile: `${outdir}/checkpointerThread.js` }),
]);
