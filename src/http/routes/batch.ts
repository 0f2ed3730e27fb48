// POST /api/v1/tickets/batch: import up to 500 tickets from another system, keyed by
// external_id. Each item is created or updated on its own (one bad item spoils nothing), and
// the same batch twice changes nothing and publishes nothing new.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { createTicket, updateTicket } from '../../domain/ticketCommands.js';
import { requireRole } from '../authorization.js';
import { callerOf } from '../caller.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ApiError, refusalError } from '../errors.js';
import { errors, json, jsonBody, apiParameters } from '../openapi.js';
import { CreateTicketBody, ExternalId } from '../schemas.js';
import { illFormedPaths } from '../text.js';
import { newTicketOf, ticketPatchOf } from '../ticketInput.js';
import { validationHook, zodFields } from '../validation.js';

export const MAX_BATCH = 500;

const ImportItem = CreateTicketBody.extend({ external_id: ExternalId }).openapi('TicketImportItem');
const BatchBody = z
  .strictObject({
    // Each item is checked on its own (a bad one gets its own error in the result and spoils
    // nothing), so the body takes any items; the document shows what each must be.
    tickets: z
      .array(z.unknown().openapi({ allOf: [{ $ref: '#/components/schemas/TicketImportItem' }] }))
      .min(1, 'at least one ticket')
      .max(MAX_BATCH, `at most ${MAX_BATCH} tickets`),
  })
  .openapi('TicketBatch');

const ItemResult = z.object({
  index: z.number().int(),
  external_id: z.string().nullable(),
  status: z.number().int(),
  outcome: z.enum(['created', 'updated', 'unchanged', 'error']),
  id: z.string().optional(),
  version: z.number().int().optional(),
  error: z.object({ code: z.string(), error: z.string(), fields: z.record(z.string(), z.string()).optional() }).optional(),
});
const BatchResult = z
  .object({
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    failed: z.number().int(),
    items: z.array(ItemResult),
  })
  .openapi('TicketBatchResult');
type ItemResultJson = z.infer<typeof ItemResult>;

export function batchRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openAPIRegistry.register('TicketImportItem', ImportItem);
  app.openapi(
    createRoute({
      method: 'post',
      path: '/tickets/batch',
      operationId: 'importTickets',
      summary: 'Import tickets by external id',
      tags: ['tickets'],
      parameters: apiParameters(deps.tenantHeader),
      request: { body: jsonBody(BatchBody) },
      responses: { 200: json(BatchResult, 'one result per item, in order, each with its own status'), ...errors(400, 401, 403, 413, 415) },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'agent', 'importing tickets');
      const caller = callerOf(c);
      const items = c.req.valid('json').tickets;
      // All items go to the store at once: the group commit shares transactions between them,
      // and a failing item is rerun alone, so each item still commits or fails by itself.
      const results = await Promise.all(
        items.map(async (raw, index): Promise<ItemResultJson> => {
          const parsed = ImportItem.safeParse(raw);
          const externalId = externalIdOf(raw);
          if (!parsed.success) {
            const code = illFormedPaths(raw).length > 0 ? 'invalid_text' : 'validation_failed';
            return failed(index, externalId, new ApiError(400, code, `invalid ticket at index ${index}`, zodFields(parsed.error, 'ticket')));
          }
          const body = parsed.data;
          const input = newTicketOf(body);
          const patch = ticketPatchOf(body);
          try {
            const outcome = await deps.commands.upsertByExternalId(caller, body.external_id, (current, ctx) =>
              current ? updateTicket(current, patch, undefined, ctx) : createTicket(input, ctx),
            );
            if ('ok' in outcome) return failed(index, body.external_id, refusalError(outcome));
            const status = outcome.kind === 'created' ? 201 : 200;
            return { index, external_id: body.external_id, status, outcome: outcome.kind, id: outcome.ticket.id, version: outcome.ticket.version };
          } catch (error) {
            if (error instanceof ApiError) return failed(index, body.external_id, error);
            throw error;
          }
        }),
      );
      const count = (o: ItemResultJson['outcome']) => results.filter((r) => r.outcome === o).length;
      return c.json({ created: count('created'), updated: count('updated'), unchanged: count('unchanged'), failed: count('error'), items: results }, 200);
    },
  );
  return app;
}

function failed(index: number, externalId: string | null, error: ApiError): ItemResultJson {
  return {
    index,
    external_id: externalId,
    status: error.status,
    outcome: 'error',
    error: { code: error.code, error: error.message, ...(error.fields ? { fields: error.fields } : {}) },
  };
}

/** The external id an item names, if any, for its result line, whether or not the item is valid. */
function externalIdOf(item: unknown): string | null {
  if (typeof item !== 'object' || item === null || !('external_id' in item)) return null;
  return typeof item.external_id === 'string' ? item.external_id : null;
}
