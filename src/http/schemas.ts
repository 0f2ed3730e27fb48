// Request and response schemas: they validate, type the handlers and write /openapi.json.
import { z } from '@hono/zod-openapi';
import { CUSTOMER_TIERS, PRIORITIES, TICKET_TYPES } from '../domain/fields.js';
import { STATUSES } from '../domain/ticket.js';
import { TRANSITION_NAMES, type TransitionName } from '../domain/workflow.js';
import { SLA_STATES } from '../domain/sla.js';
import { freeText, identifier, line, textRules } from './text.js';

const TAG = /^[a-z0-9][a-z0-9:_-]{0,49}$/;
/** One ticket tag: what a client sends and what an automation may add. */
export const Tag = z.string().regex(TAG, 'tags are lower-case letters, digits, ":", "_" or "-", starting with a letter or digit, at most 50 characters');
const id128 = identifier(128);
/** A ticket's id in another system; batch import requires it. */
export const ExternalId = id128;

const tags = z
  .array(Tag)
  .max(20, 'at most 20 tags')
  .transform((list) => [...new Set(list)]);

const title = line(200, { trim: true, min: 1, tooShort: 'required, 1-200 characters after trimming' });
const description = freeText(2000);

export const CreateTicketBody = z
  .strictObject({
    title,
    description: description.nullish(),
    created_by: id128,
    type: z.enum(TICKET_TYPES).optional(),
    priority: z.enum(PRIORITIES).optional(),
    customer_id: id128.nullish(),
    customer_tier: z.enum(CUSTOMER_TIERS).optional(),
    tags: tags.optional(),
    external_id: ExternalId.nullish(),
  })
  .openapi('CreateTicket');

export const PatchTicketBody = z
  .strictObject({
    title: title.optional(),
    description: description.nullish(),
    type: z.enum(TICKET_TYPES).optional(),
    priority: z.enum(PRIORITIES).optional(),
    customer_id: id128.nullish(),
    customer_tier: z.enum(CUSTOMER_TIERS).optional(),
    tags: tags.optional(),
  })
  .openapi('PatchTicket');

export const TicketState = z
  .object({
    id: z.string().openapi({ example: '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }),
    tenant: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    created_by: z.string(),
    type: z.enum(TICKET_TYPES),
    priority: z.enum(PRIORITIES),
    status: z.enum(STATUSES),
    customer_id: z.string().nullable(),
    customer_tier: z.enum(CUSTOMER_TIERS),
    assignee: z.string().nullable(),
    tags: z.array(z.string()),
    external_id: z.string().nullable(),
    escalation_level: z.number().int(),
    github_issue: z.object({ number: z.number().int(), url: z.string() }).nullable(),
    sla: z
      .object({
        state: z.enum(SLA_STATES),
        calendar: z.string().openapi({ description: 'the calendar whose business minutes the targets count' }),
        response_due_at: z.string(),
        next_reply_due_at: z.string().nullable().openapi({ description: 'the open next_reply round, if a customer reply awaits an answer' }),
        resolution_due_at: z.string(),
        first_response_at: z.string().nullable(),
        paused: z.boolean(),
      })
      .nullable()
      .openapi({
        description:
          'the SLA of the current round; null when the tier has no SLA. Due times move while paused in pending_customer; every target is in GET /tickets/{id}/sla',
      }),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
    resolved_at: z.string().nullable(),
    closed_at: z.string().nullable(),
    status_changed_at: z.string().openapi({ description: 'when the ticket entered its status' }),
  })
  .openapi('TicketState');

export const TicketBody = TicketState.extend({
  enabled_transitions: z.array(z.enum(TRANSITION_NAMES as [TransitionName, ...TransitionName[]])).openapi({
    description: 'the workflow transitions the caller may fire now',
  }),
}).openapi('Ticket');

export const TicketQuery = z.strictObject({
  at: z.string().max(64).optional().openapi({ description: 'a version number or an RFC 3339 instant: the ticket as it stood then' }),
});

export const TransitionParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
  name: z
    .string()
    .min(1)
    .max(64)
    // Documented as the net's transitions; any other name is answered 404 unknown_transition, not 400.
    .openapi({ param: { name: 'name', in: 'path' }, example: 'assign', enum: [...TRANSITION_NAMES] }),
});

export const TransitionBody = z
  .strictObject({
    assignee: id128.optional(),
    comment: freeText(10000).optional(),
  })
  .openapi('TransitionRequest');

export const TransitionList = z
  .object({
    status: z.enum(STATUSES),
    enabled_transitions: z.array(z.string()),
    transitions: z.array(z.object({ name: z.string(), to: z.enum(STATUSES), roles: z.array(z.string()), allowed: z.boolean() })),
  })
  .openapi('TicketTransitions');

export const TicketPage = z.object({ items: z.array(TicketBody), next_cursor: z.string().nullable() }).openapi('TicketPage');

export const ListQuery = z.strictObject({
  status: z.enum(STATUSES).optional(),
  type: z.enum(TICKET_TYPES).optional(),
  priority: z.enum(PRIORITIES).optional(),
  assignee: id128.optional(),
  customer_id: id128.optional(),
  tag: z.string().regex(TAG, 'not a valid tag').optional(),
  q: line(200).optional().openapi({ description: 'words in the title or description (each a prefix, all required)' }),
  sla_state: z
    .enum([...SLA_STATES, 'none'])
    .optional()
    .openapi({ description: '`none`: tickets whose tier has no SLA' }),
  limit: z.coerce.number().int('an integer').min(1, 'at least 1').max(100, 'at most 100').default(50),
  cursor: z.string().max(512).optional().openapi({ description: 'next_cursor of the previous page' }),
});

export const TicketParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

export const GithubLinkBody = z
  .strictObject({
    number: z.number().int('a whole number').positive('at least 1'),
    url: textRules(z.string(), 'identifier')
      .url('a URL')
      .regex(/^https:\/\/[^/\s]+\/[^/\s]+\/[^/\s]+\/issues\/\d+$/, 'https://<host>/<owner>/<repo>/issues/<number>'),
  })
  .refine((b) => b.url.endsWith(`/issues/${b.number}`), { message: 'the URL must end with /issues/<number>', path: ['url'] })
  .openapi('GithubLink');

export const AttachmentBody = z
  .object({
    id: z.string(),
    filename: z.string(),
    content_type: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    created_by: z.string(),
    created_at: z.string(),
  })
  .openapi('Attachment');
export type AttachmentJson = z.infer<typeof AttachmentBody>;
export const AttachmentList = z.object({ items: z.array(AttachmentBody) }).openapi('AttachmentList');

export const CommentBody = z.object({ id: z.string(), author: z.string(), body: z.string(), internal: z.boolean(), created_at: z.string() }).openapi('Comment');
export type CommentJson = z.infer<typeof CommentBody>;

export const NewComment = z
  .strictObject({
    body: freeText(10000, { trim: true, min: 1, tooShort: 'required, 1-10000 characters' }),
    internal: z.boolean().default(false).openapi({ description: 'staff only; never shown to customers' }),
  })
  .openapi('NewComment');

export const CommentList = z.object({ items: z.array(CommentBody) }).openapi('CommentList');

export const HistoryEvent = z
  .object({
    seq: z.number().int(),
    event_id: z.string(),
    action: z.string(),
    subject: z.string(),
    schema: z.string(),
    version: z.number().int().nullable(),
    occurred_at: z.string(),
    actor: z.string(),
    correlation_id: z.string(),
    published: z.boolean(),
    changed_fields: z.array(z.string()),
    // A union, not .nullable(): the document then says `TicketState or null` (anyOf), which generated clients type as nullable.
    data: z.union([TicketState, z.null()]),
    transition: z.object({ name: z.string(), from: z.string(), to: z.string(), comment: z.string() }).optional(),
    comment: CommentBody.optional(),
    attachment: AttachmentBody.optional(),
    notification: z.object({ reason: z.string(), keywords: z.array(z.string()) }).optional(),
  })
  .openapi('HistoryEvent');

export const History = z.object({ items: z.array(HistoryEvent) }).openapi('History');

export const ErrorBody = z
  .object({
    error: z.string(),
    code: z.string(),
    correlation_id: z.string(),
    fields: z.record(z.string(), z.string()).optional(),
  })
  .openapi('Error');

export type TicketStateJson = z.infer<typeof TicketState>;
export type TicketJson = z.infer<typeof TicketBody>;
