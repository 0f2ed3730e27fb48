// Where a SQLite thread's entry file is. Under a TypeScript runner (the tests) this module is the .ts
// source and a thread runs the build of its entry (`npm test` builds first); otherwise the compiled
// file beside this one: dist/src/store/sqlite, or dist/bundle, where every chunk and entry sits together.

/** The entry of the thread whose source is `src/store/sqlite/<name>.ts`. */
export function threadEntry(name: 'writerThread' | 'checkpointerThread'): URL {
  return import.meta.url.endsWith('.ts') ? new URL(`../../../dist/src/store/sqlite/${name}.js`, import.meta.url) : new URL(`./${name}.js`, import.meta.url);
}
