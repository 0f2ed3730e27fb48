// Severity detection: which configured keywords a text mentions (case-insensitive, whole words).

/** Returns the keywords (lower-case, in configured order) found in the text as whole words. */
export function findSeverityKeywords(text: string, keywords: readonly string[]): string[] {
  if (text.length === 0 || keywords.length === 0) return [];
  const haystack = text.toLowerCase();
  return keywords.map((keyword) => keyword.toLowerCase()).filter((keyword) => containsWord(haystack, keyword));
}

// "critical" must not fire on "uncritical" or "criticality": a keyword counts only when
// the characters around it are not letters or digits.
function containsWord(haystack: string, word: string): boolean {
  if (word.length === 0) return false;
  for (let at = haystack.indexOf(word); at !== -1; at = haystack.indexOf(word, at + 1)) {
    const before = haystack[at - 1];
    const after = haystack[at + word.length];
    if (!isWordChar(before) && !isWordChar(after)) return true;
  }
  return false;
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);
}
