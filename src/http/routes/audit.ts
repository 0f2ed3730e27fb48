// GET /api/v1/audit: the tenant's audit log (admins only), newest first, paged by an opaque cursor.
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import type { AuditRecord } from '../../store/consumerPort.js';
import { AuditPage, AuditQuery } from '../consumerSchemas.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { requireRole } from '../middleware/requireRole.js';
import { errors, json, apiParameters } from '../openapi.js';
import { validationHook } from '../validation.js';

export function auditRoutes(deps: Pick<AppDeps, 'consumerStore' | 'tenantHeader'>) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/audit', requireRole('admin'));
  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit',
      operationId: 'auditLog',
      summary: "The tenant's audit log",
      tags: ['audit'],
      parameters: apiParameters(deps.tenantHeader),
      request: { query: AuditQuery },
      responses: { 200: json(AuditPage, 'audit entries, most recently recorded first'), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await deps.consumerStore.audit(c.get('tenant'), {
        ticketId: q.ticket_id,
        actor: q.actor,
        since: q.since === undefined ? undefined : new Date(q.since).toISOString(),
        limit: q.limit + 1,
        beforeSeq: q.cursor === undefined ? undefined : decodeAuditCursor(q.cursor),
      });
      const items = rows.slice(0, q.limit);
      const last = items[items.length - 1];
      return c.json({ items: items.map(auditJson), next_cursor: rows.length > q.limit && last ? encodeAuditCursor(last.seq) : null }, 200);
    },
  );
  return app;
}

function auditJson(r: AuditRecord) {
  return {
    event_id: r.eventId,
    tenant: r.tenant,
    ticket_id: r.ticketId,
    ticket_version: r.ticketVersion,
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    correlation_id: r.correlationId,
    occurred_at: r.occurredAt,
    recorded_at: r.recordedAt,
    detail: r.detail,
  };
}

const encodeAuditCursor = (seq: number) => Buffer.from(`audit:${seq}`).toString('base64url');

function decodeAuditCursor(cursor: string): number {
  const match = /^audit:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new ApiError(400, 'invalid_cursor', 'cursor is not one this API returned', { cursor: 'not a next_cursor from a previous page' });
  return Number(match[1]);
}
