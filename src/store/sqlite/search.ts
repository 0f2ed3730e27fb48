// SQLite FTS5 query syntax for the search words of a list.

/** Every word as a quoted prefix, implicitly AND-ed; quoting keeps FTS operators out of user input. */
export function fts5Query(words: readonly string[]): string {
  return words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(' ');
}
