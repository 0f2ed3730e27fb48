// The `q` of a ticket list: words a user typed, each matched as a prefix, all of them required.
// Each store turns the words into its own query syntax, so no user text reaches it as operators.

/** The words of `q`; empty when there is nothing to search for. */
export function searchWords(q: string): string[] {
  return q
    .split(/[\s"]+/u)
    .map((w) => w.trim())
    .filter((w) => /[\p{L}\p{N}]/u.test(w))
    .slice(0, 16);
}
