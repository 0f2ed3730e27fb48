// SPEC §5 Errors: a request that fails its schema is one 400 validation_failed naming every wrong field.
import { describe, expect, it } from 'vitest';
import type { z } from '@hono/zod-openapi';
import { ApiError } from '../../src/http/errors.js';
import { validationHook } from '../../src/http/validation.js';
import { CreateTicketBody, ListQuery } from '../../src/http/schemas.js';

/** Runs the hook on a failed parse the way a route does and returns what it throws. */
function refusal(schema: z.ZodType, input: unknown, target = 'json'): ApiError {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected the input to be invalid');
  try {
    validationHook({ success: false, error: result.error, target });
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('the hook let an invalid request through');
}

describe('refusing a request that fails validation', () => {
  it('lets a valid request through', () => {
    expect(() => validationHook({ success: true })).not.toThrow();
  });

  it('answers 400 validation_failed with a message naming the wrong fields', () => {
    const error = refusal(CreateTicketBody, { title: 't'.repeat(201), created_by: 'bob', priority: 'urgent' });
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', message: 'invalid json: title, priority' });
    expect(Object.keys(error.fields ?? {})).toEqual(['title', 'priority']);
  });

  it("says 'required' for each missing field", () => {
    expect(refusal(CreateTicketBody, { description: 'x' }).fields).toEqual({ title: 'required', created_by: 'required' });
  });

  it('gives the rule that was broken for a present but wrong field', () => {
    const { fields } = refusal(CreateTicketBody, { title: '  ', created_by: 'bob', description: 'd'.repeat(2001) });
    expect(fields).toEqual({ title: 'required, 1-200 characters after trimming', description: 'at most 2000 characters' });
  });

  it('points at the offending tag by its position', () => {
    expect(Object.keys(refusal(CreateTicketBody, { title: 't', created_by: 'bob', tags: ['ok', 'Not OK'] }).fields ?? {})).toEqual(['tags.1']);
  });

  it('tells a client sending status that status changes only through workflow transitions', () => {
    expect(refusal(CreateTicketBody, { title: 't', created_by: 'bob', status: 'closed', colour: 'red' }).fields).toEqual({
      status: 'status changes only through workflow transitions',
      colour: 'unknown field',
    });
  });

  it('reports missing and unknown fields together', () => {
    expect(refusal(CreateTicketBody, { created_by: 'bob', status: 'closed' }).fields).toEqual({
      title: 'required',
      status: 'status changes only through workflow transitions',
    });
  });

  it('names the request part when the whole body is wrong', () => {
    expect(refusal(CreateTicketBody, ['not', 'an', 'object']).fields).toEqual({ json: expect.any(String) });
  });

  it('names the query parameter for a bad list query', () => {
    const error = refusal(ListQuery, { limit: '500' }, 'query');
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', message: 'invalid query: limit', fields: { limit: 'at most 100' } });
  });
});
