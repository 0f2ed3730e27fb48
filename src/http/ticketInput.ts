// A validated request body in the domain's terms: what a create sets, what a patch changes.
import type { z } from '@hono/zod-openapi';
import type { NewTicket, TicketPatch } from '../domain/ticket.js';
import type { CreateTicketBody, PatchTicketBody } from './schemas.js';

export function newTicketOf(body: z.infer<typeof CreateTicketBody>): NewTicket {
  return {
    title: body.title,
    description: body.description ?? undefined,
    createdBy: body.created_by,
    type: body.type,
    priority: body.priority,
    customerId: body.customer_id,
    customerTier: body.customer_tier,
    tags: body.tags,
    externalId: body.external_id,
  };
}

export function ticketPatchOf(body: z.infer<typeof PatchTicketBody>): TicketPatch {
  return {
    title: body.title,
    description: body.description,
    type: body.type,
    priority: body.priority,
    customerId: body.customer_id,
    customerTier: body.customer_tier,
    tags: body.tags,
  };
}
