// How tickets look on the wire: JSON field names, ETags, If-Match and list cursors.
import type { Principal } from '../domain/roles.js';
import { dueAt, slaState } from '../domain/sla.js';
import type { Attachment, Comment, Precondition, Ticket } from '../domain/ticket.js';
import { type TransitionName, availableFrom } from '../domain/workflow.js';
import { ApiError } from './errors.js';
import type { AttachmentJson, CommentJson, TicketJson, TicketStateJson } from './schemas.js';

/** The ticket's stored state (history entries, events). */
export function ticketJson(t: Ticket): TicketStateJson {
  return {
    id: t.id,
    tenant: t.tenant,
    title: t.title,
    description: t.description,
    created_by: t.createdBy,
    type: t.type,
    priority: t.priority,
    status: t.status,
    customer_id: t.customerId,
    customer_tier: t.customerTier,
    assignee: t.assignee,
    tags: t.tags,
    external_id: t.externalId,
    escalation_level: t.escalationLevel,
    github_issue: t.githubIssue,
    sla: t.sla && {
      state: slaState(t.sla),
      response_due_at: dueAt(t.sla, 'response'),
      resolution_due_at: dueAt(t.sla, 'resolution'),
      first_response_at: t.sla.response.metAt,
      paused: t.sla.pausedAt !== null,
    },
    version: t.version,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    resolved_at: t.resolvedAt,
    closed_at: t.closedAt,
  };
}

/** The ticket as a caller sees it: its state plus what that caller may do next. */
export function ticketResponse(t: Ticket, principal: Principal): TicketJson {
  // Added to the object ticketJson made, not spread into a new one: V8 gave each spread copy a
  // hidden class of its own, garbage that only a full GC collects (a tenth of a GET's CPU in GC).
  return responseWith(t, availableFrom(t.status, principal));
}

function responseWith(t: Ticket, transitions: readonly TransitionName[]): TicketJson {
  return Object.assign(ticketJson(t), { enabled_transitions: [...transitions] });
}

// A GET answers the same ticket version again and again: its JSON text is kept per ticket object
// (the store's ticket cache holds the object, and ticket objects are never changed in place), with
// the transitions it was written with. availableFrom hands out one shared array per place and role
// list, so a caller with other roles finds a different array and gets a text of their own.
const responseTexts = new WeakMap<Ticket, { transitions: readonly TransitionName[]; text: string }>();

/** JSON.stringify(ticketResponse(t, principal)), written once per ticket object and role list in a row. */
export function ticketResponseText(t: Ticket, principal: Principal): string {
  const transitions = availableFrom(t.status, principal);
  const kept = responseTexts.get(t);
  if (kept?.transitions === transitions) return kept.text;
  const text = JSON.stringify(responseWith(t, transitions));
  responseTexts.set(t, { transitions, text });
  return text;
}

export function commentJson(c: Comment): CommentJson {
  return { id: c.id, author: c.author, body: c.body, internal: c.internal, created_at: c.createdAt };
}

export function attachmentJson(a: Attachment): AttachmentJson {
  return { id: a.id, filename: a.filename, content_type: a.contentType, size: a.size, sha256: a.sha256, created_by: a.createdBy, created_at: a.createdAt };
}

export const etag = (t: Ticket): string => `"${t.version}"`;

/** If-Match: `*`, or entity tags like `"3"` (weak tags and bare numbers are accepted too). */
export function parseIfMatch(header: string | undefined): Precondition {
  if (header === undefined) return undefined;
  const raw = header.trim();
  if (raw === '*') return { versions: 'any', raw };
  const versions = raw
    .split(',')
    .map((part) => /^(?:W\/)?"?(\d{1,15})"?$/.exec(part.trim())?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
  return { versions, raw };
}

export function encodeCursor(t: Ticket): string {
  return Buffer.from(JSON.stringify([t.updatedAt, t.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { updatedAt: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { updatedAt: value[0], id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new ApiError(400, 'invalid_cursor', 'cursor is not one this API returned', { cursor: 'not a next_cursor from a previous page' });
}
