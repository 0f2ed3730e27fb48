// The text rules of SPEC §11, written once for every schema: well-formed Unicode, lengths in code
// points, and which control characters each kind of field may hold. Nothing is normalised: what a
// field accepts is what is stored, returned, published and replayed.
import { z } from '@hono/zod-openapi';

/**
 * `identifier`: ids and names of people and things (`created_by`, assignees, user ids);
 * `line`: one line of text (a title, a webhook's name);
 * `free`: free text (a description, a comment), where `\n` and `\t` are the only control characters.
 */
export type TextKind = 'identifier' | 'line' | 'free';

/** The params of the zod issue a lone surrogate raises: the validation hook answers it with invalid_text. */
export const INVALID_TEXT = { code: 'invalid_text' } as const;
export const ILL_FORMED = 'not well-formed Unicode: a lone surrogate (an unpaired \\ud800-\\udfff escape) is not text';

// Identifiers and lines refuse every \p{Cc} and the Unicode line and paragraph separators, which
// break a line as surely as \n does. Free text refuses \p{Cc} but \t and \n; \r is refused rather
// than rewritten, since what is stored must be what was sent.
const CONTROLS: Record<TextKind, RegExp> = {
  identifier: /[\p{Cc}\u2028\u2029]/u,
  line: /[\p{Cc}\u2028\u2029]/u,
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's job
  free: /[\0-\x08\x0B-\x1F\x7F-\x9F]/,
};
const CONTROLS_MESSAGE: Record<TextKind, string> = {
  identifier: 'must not contain control characters or line breaks',
  line: 'one line: no control characters or line breaks',
  free: 'no control characters other than \\n and \\t (\\r included)',
};

/** No lone surrogate (ES2024's String.prototype.isWellFormed, in Node since 20; our lib is ES2023). */
export const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

export const hasControls = (s: string, kind: TextKind): boolean => CONTROLS[kind].test(s);

/** The length a client means: Unicode code points, an emoji counting one. */
export function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n -= 1;
        i += 1;
      }
    }
  }
  return n;
}

/** Adds the well-formedness and control-character rules of `kind` to any string schema (a URL's too). */
export function textRules<T extends z.ZodType<string>>(schema: T, kind: TextKind): T {
  return schema
    .refine(isWellFormed, { message: ILL_FORMED, abort: true, params: INVALID_TEXT })
    .refine((s) => !hasControls(s, kind), { message: CONTROLS_MESSAGE[kind], abort: true });
}

/** At least `min` and at most `max` code points, and the same bounds in /openapi.json (JSON Schema counts code points too). */
export function codePointLength<T extends z.ZodType<string>>(schema: T, max: number, min = 0, tooShort = 'must not be empty'): T {
  // A string of at most `max` UTF-16 units has at most `max` code points: only longer ones are counted.
  let checked = schema.refine((s) => s.length <= max || codePoints(s) <= max, { message: `at most ${max} characters` });
  if (min > 0) checked = checked.refine((s) => codePoints(s) >= min, { message: tooShort });
  return checked.openapi({ maxLength: max, ...(min > 0 ? { minLength: min } : {}) });
}

export type TextOptions = {
  /** Fewest code points (after trimming); 0 allows the empty string. */
  min?: number;
  /** Removes leading and trailing white space before the length is checked (never control characters: those are refused first). */
  trim?: boolean;
  /** The message for a string shorter than `min`. */
  tooShort?: string;
};

function text(kind: TextKind, max: number, { min = 0, trim = false, tooShort }: TextOptions): z.ZodString {
  const checked = textRules(z.string(), kind);
  return codePointLength(trim ? checked.trim() : checked, max, min, tooShort);
}

/** An id or a name of someone or something: no control characters, trimmed, 1..max code points unless told otherwise. */
export const identifier = (max: number, { min = 1, trim = true, ...rest }: TextOptions = {}) => text('identifier', max, { min, trim, ...rest });
/** One line of text: no control characters at all, at most max code points. */
export const line = (max: number, options: TextOptions = {}) => text('line', max, options);
/** Free text: `\n` and `\t` are its only control characters, at most max code points. */
export const freeText = (max: number, options: TextOptions = {}) => text('free', max, options);

/**
 * Where a parsed JSON value holds a lone surrogate, in a string or in a key, as dotted paths
 * (`tags.1`; '' for the value itself). Iterative: a body nested 100 000 deep is no stack overflow.
 */
export function illFormedPaths(value: unknown, limit = 20): string[] {
  const found: string[] = [];
  const pending: Array<[unknown, string]> = [[value, '']];
  const at = (path: string, key: string | number) => (path === '' ? String(key) : `${path}.${key}`);
  while (pending.length > 0 && found.length < limit) {
    const [v, path] = pending.pop()!;
    if (typeof v === 'string') {
      if (!isWellFormed(v)) found.push(path);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) pending.push([v[i], at(path, i)]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (const [key] of entries) if (!isWellFormed(key)) found.push(at(path, key));
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        if (isWellFormed(key)) pending.push([child, at(path, key)]);
      }
    }
  }
  return found.slice(0, limit);
}

/** The paths of a failed parse whose issue is ill-formed text. */
export function illFormedIssuePaths(error: z.ZodError): string[] {
  return error.issues
    .filter((issue) => issue.code === 'custom' && (issue.params as { code?: unknown } | undefined)?.code === INVALID_TEXT.code)
    .map((issue) => issue.path.join('.'));
}
