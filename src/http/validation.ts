// The one answer to input that fails its schema: a 400 naming every wrong field, invalid_text for
// text that is not well-formed Unicode (SPEC §11). Every router uses it as its default hook.
import type { z } from '@hono/zod-openapi';
import { ApiError } from './errors.js';
import { ILL_FORMED, illFormedIssuePaths, illFormedPaths } from './text.js';

/** Turns a failed schema check into one 400 naming every wrong field. */
export function validationHook(result: { success: true } | { success: false; error: z.ZodError; target: string; data?: unknown }): void {
  if (result.success) return;
  const fields = zodFields(result.error, result.target);
  // A lone surrogate anywhere in the input (a key, a field no schema reads) is invalid_text (SPEC §11).
  const illFormed = [...new Set([...illFormedIssuePaths(result.error), ...illFormedPaths(result.data)])];
  if (illFormed.length > 0) {
    const names = illFormed.map((path) => path || result.target);
    for (const name of names) fields[name] = ILL_FORMED;
    throw new ApiError(400, 'invalid_text', `not well-formed Unicode in ${result.target}: ${names.join(', ')}`, fields);
  }
  const names = Object.keys(fields).join(', ');
  throw new ApiError(400, 'validation_failed', `invalid ${result.target}: ${names}`, fields);
}

/** Each wrong field of a failed schema check with what is wrong with it. */
export function zodFields(error: z.ZodError, target: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        fields[[...issue.path, key].join('.')] = key === 'status' ? 'status changes only through workflow transitions' : 'unknown field';
      continue;
    }
    const path = issue.path.join('.') || target;
    fields[path] ??= issue.code === 'invalid_type' && /received undefined/.test(issue.message) ? 'required' : issue.message;
  }
  return fields;
}
