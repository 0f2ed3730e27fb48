// Request and response schemas of the consumers' routes: the audit log and webhook targets.
import { z } from '@hono/zod-openapi';
import { WEBHOOK_EVENTS } from '../consumers/notify/notification.js';
import { codePointLength, identifier, line, textRules } from './text.js';

const id128 = identifier(128);

export const AuditQuery = z.strictObject({
  ticket_id: z.string().min(1).max(64).optional(),
  actor: id128.optional(),
  since: z.iso.datetime({ offset: true, message: 'an RFC 3339 timestamp, e.g. 2026-01-31T12:00:00Z' }).optional(),
  limit: z.coerce.number().int('an integer').min(1, 'at least 1').max(100, 'at most 100').default(50),
  cursor: z.string().max(512).optional().openapi({ description: 'next_cursor of the previous page' }),
});

export const AuditItem = z
  .object({
    event_id: z.string(),
    tenant: z.string(),
    ticket_id: z.string().nullable(),
    ticket_version: z.number().int().nullable(),
    actor: z.string(),
    action: z.string(),
    subject: z.string(),
    correlation_id: z.string(),
    occurred_at: z.string(),
    recorded_at: z.string(),
    // What else the event said; stored as JSON, so only what the audit consumer wrote is there.
    detail: z.object({
      changed_fields: z.array(z.string()).optional(),
      transition: z.object({ name: z.string(), from: z.string(), to: z.string(), comment: z.string() }).optional(),
      notification: z.object({ reason: z.string(), keywords: z.array(z.string()) }).optional(),
      listing: z.object({ count: z.number().int(), query: z.string() }).optional(),
    }),
  })
  .openapi('AuditEntry');

export const AuditPage = z.object({ items: z.array(AuditItem), next_cursor: z.string().nullable() }).openapi('AuditPage');

export const CreateWebhookBody = z
  .strictObject({
    name: line(100, { trim: true, min: 1, tooShort: 'required, 1-100 characters' }),
    url: codePointLength(textRules(z.url({ protocol: /^https?$/, message: 'an http(s) URL' }), 'identifier'), 2048),
    events: z
      .array(z.enum(WEBHOOK_EVENTS))
      .min(1, 'at least one event')
      .transform((list) => [...new Set(list)]),
    secret: identifier(256, { min: 16, trim: false, tooShort: 'at least 16 characters' }),
  })
  .openapi('CreateWebhook');

/** A webhook as the API shows it: never with its secret. */
export const WebhookItem = z
  .object({ id: z.string(), name: z.string(), url: z.string(), events: z.array(z.string()), created_at: z.string() })
  .openapi('Webhook');

export const WebhookList = z.object({ items: z.array(WebhookItem) }).openapi('WebhookList');

export const WebhookParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
