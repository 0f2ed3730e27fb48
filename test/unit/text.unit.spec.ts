// SPEC §11 Text: the schema builders every route's text goes through, and the hook's answer to a
// lone surrogate.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from '@hono/zod-openapi';
import { ApiError } from '../../src/http/errors.js';
import { validationHook } from '../../src/http/validation.js';
import { CreateTicketBody } from '../../src/http/schemas.js';
import { codePoints, freeText, identifier, illFormedPaths, line } from '../../src/http/text.js';

const HIGH = '\ud800';
const LOW = '\udfff';
const EMOJI = '\u{1F600}';
/** Every \p{Cc} but \t, \n and \r, which the kinds treat differently. */
const OTHER_CONTROLS = [...Array.from({ length: 0x20 }, (_, i) => i), ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i)]
  .filter((c) => c !== 0x09 && c !== 0x0a && c !== 0x0d)
  .map((c) => String.fromCharCode(c));

const accepts = (schema: z.ZodType, s: string) => schema.safeParse(s).success;
const issue = (schema: z.ZodType, s: string) => schema.safeParse(s).error?.issues[0];

describe('every kind of text refuses a lone surrogate, as invalid_text', () => {
  const kinds = { identifier: identifier(128), line: line(200), freeText: freeText(2000) };
  it.each(Object.entries(kinds))('%s', (_, schema) => {
    for (const bad of [HIGH, LOW, `x${HIGH}y`, `x${LOW}y`, `${LOW}${HIGH}`, `ok${EMOJI}${HIGH}`]) {
      expect(issue(schema, bad)).toMatchObject({ code: 'custom', params: { code: 'invalid_text' } });
    }
    expect(accepts(schema, `a${HIGH}${LOW}b`)).toBe(true);
  });

  it('refuses it before any other rule, so the answer names the real problem', () => {
    expect(line(3).safeParse(`${HIGH}${'x'.repeat(10)}\u0000`).error?.issues).toEqual([
      expect.objectContaining({ code: 'custom', params: { code: 'invalid_text' } }),
    ]);
  });
});

describe('lengths are counted in code points', () => {
  it('counts an astral character as one', () => {
    expect(codePoints(EMOJI.repeat(200))).toBe(200);
    expect(codePoints(`a${EMOJI}b`)).toBe(3);
    expect(codePoints('')).toBe(0);
    expect(codePoints(`${LOW}${HIGH}`)).toBe(2);
  });

  it('takes a title of 200 emoji and refuses 201', () => {
    expect(CreateTicketBody.safeParse({ title: EMOJI.repeat(200), created_by: 'bob' }).success).toBe(true);
    expect(CreateTicketBody.safeParse({ title: EMOJI.repeat(201), created_by: 'bob' }).error?.issues[0]).toMatchObject({
      path: ['title'],
      message: 'at most 200 characters',
    });
  });

  it('applies to every kind, in code points', () => {
    for (const schema of [identifier(5), line(5), freeText(5)]) {
      expect(accepts(schema, EMOJI.repeat(5))).toBe(true);
      expect(accepts(schema, EMOJI.repeat(6))).toBe(false);
    }
  });
});

describe('control characters, by kind', () => {
  it('an identifier refuses every one, and the line and paragraph separators', () => {
    for (const c of [...OTHER_CONTROLS, '\t', '\n', '\r', '\u2028', '\u2029']) {
      expect(accepts(identifier(128), `a${c}b`), JSON.stringify(c)).toBe(false);
    }
    expect(accepts(identifier(128), 'a\r\nb')).toBe(false);
  });

  it('a line (a title) refuses every one, and the line and paragraph separators', () => {
    for (const c of [...OTHER_CONTROLS, '\t', '\n', '\r', '\u2028', '\u2029']) {
      expect(accepts(line(200), `a${c}b`), JSON.stringify(c)).toBe(false);
    }
  });

  it('free text allows \\n and \\t only, and refuses \\r rather than rewriting it', () => {
    expect(accepts(freeText(100), 'one\ntwo\tthree')).toBe(true);
    expect(accepts(freeText(100), 'para\u2028graph\u2029')).toBe(true);
    for (const c of [...OTHER_CONTROLS, '\r']) expect(accepts(freeText(100), `a${c}b`), JSON.stringify(c)).toBe(false);
  });

  it('keeps the other characters people write: spaces, format characters, combining marks, emoji sequences', () => {
    for (const s of ['Zoë Ångström', 'e\u0301', '\u202eevil', 'a\u200db', '👩‍👩‍👧', '名前', '\u00a0x']) {
      expect(accepts(identifier(128), s), s).toBe(true);
      expect(accepts(line(200), s), s).toBe(true);
    }
  });

  it('refuses a control character instead of trimming it away', () => {
    expect(accepts(identifier(128), 'bob\n')).toBe(false);
    expect(identifier(128).parse('  bob  ')).toBe('bob');
  });
});

describe('any well-formed string within the rules is accepted unchanged', () => {
  it('free text, byte for byte', () => {
    const text = fc.string({ unit: 'binary', maxLength: 300 }).filter((s) => !/[\p{Cc}]/u.test(s.replace(/[\n\t]/g, '')));
    fc.assert(
      fc.property(text, (s) => {
        expect(freeText(2000).parse(s)).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('a line and an identifier, byte for byte once trimmed', () => {
    const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }).filter((s) => !/[\p{Cc}\u2028\u2029]/u.test(s) && s.trim() !== '');
    fc.assert(
      fc.property(text, (s) => {
        expect(line(200, { trim: true, min: 1 }).parse(s)).toBe(s.trim());
        expect(identifier(128).parse(s)).toBe(s.trim());
      }),
      { numRuns: 300 },
    );
  });
});

describe('finding a lone surrogate anywhere in a body', () => {
  it('in values and keys, at any depth, as dotted paths', () => {
    expect(illFormedPaths({ title: 'ok', tags: ['a', `b${HIGH}`], [`k${LOW}`]: 1, deep: { x: [{ y: LOW }] } })).toEqual([`k${LOW}`, 'tags.1', 'deep.x.0.y']);
    expect(illFormedPaths(HIGH)).toEqual(['']);
    expect(illFormedPaths({ a: `${HIGH}${LOW}`, b: 1, c: null })).toEqual([]);
  });

  it('survives nesting far deeper than the call stack', () => {
    let deep: unknown = HIGH;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(illFormedPaths(deep)).toHaveLength(1);
  });
});

describe('the validation hook', () => {
  const refusal = (input: unknown, target = 'json'): ApiError => {
    const result = CreateTicketBody.safeParse(input);
    if (result.success) throw new Error('expected the input to be invalid');
    try {
      validationHook({ success: false, error: result.error, target, data: input });
    } catch (error) {
      if (error instanceof ApiError) return error;
      throw error;
    }
    throw new Error('the hook let it through');
  };

  it('answers a lone surrogate with 400 invalid_text naming the field', () => {
    const error = refusal({ title: `x${HIGH}y`, created_by: 'bob' });
    expect(error).toMatchObject({ status: 400, code: 'invalid_text', message: 'not well-formed Unicode in json: title' });
    expect(error.fields?.title).toMatch(/lone surrogate/);
  });

  it('answers invalid_text for a lone surrogate in a key or under an unknown field, keeping the other fields', () => {
    const error = refusal({ title: 'ok', [`col${HIGH}`]: 1, extra: { x: LOW } });
    expect(error.code).toBe('invalid_text');
    expect(Object.keys(error.fields ?? {})).toEqual(expect.arrayContaining([`col${HIGH}`, 'extra', 'extra.x', 'created_by']));
    expect(error.fields?.created_by).toBe('required');
  });

  it('answers invalid_text even without the raw input, from the issue alone', () => {
    const result = CreateTicketBody.safeParse({ title: 'ok', created_by: `b${HIGH}` });
    expect(() => validationHook({ success: false, error: result.error!, target: 'json' })).toThrow(
      expect.objectContaining({ code: 'invalid_text', fields: { created_by: expect.stringMatching(/lone surrogate/) } }),
    );
  });

  it('keeps validation_failed for control characters and lengths', () => {
    expect(refusal({ title: 'ok', created_by: 'a\r\nb' })).toMatchObject({ code: 'validation_failed', fields: { created_by: expect.any(String) } });
    expect(refusal({ title: EMOJI.repeat(201), created_by: 'bob' })).toMatchObject({ code: 'validation_failed', fields: { title: 'at most 200 characters' } });
  });
});
