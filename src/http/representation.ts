// How tickets look on the wire: JSON field names, ETags, If-Match and list cursors.
import type { Principal } from '../domain/roles.js';
import { type SlaClock, slaState } from '../domain/sla.js';
import type { Attachment, Comment, Ticket } from '../domain/ticket.js';
import type { Precondition } from '../domain/ticketCommands.js';
import { plainFields } from '../domain/ticketFields.js';
import { availableFrom } from '../domain/workflow.js';
import { ApiError } from './errors.js';
import type { AttachmentJson, CommentJson, TicketJson, TicketStateJson } from './schemas.js';

/** The ticket's stored state (history entries, events). */
export function ticketJson(t: Ticket): TicketStateJson {
  return {
    ...plainFields(t),
    tags: t.tags,
    github_issue: t.githubIssue,
    sla: t.sla && {
      state: slaState(t.sla),
      calendar: t.sla.calendar,
      response_due_at: t.sla.response.dueAt,
      next_reply_due_at: openReplyDue(t.sla),
      resolution_due_at: t.sla.resolution.dueAt,
      first_response_at: t.sla.response.metAt,
      paused: t.sla.pausedAt !== null,
    },
  };
}

function openReplyDue(clock: SlaClock): string | null {
  const round = clock.nextReply.at(-1);
  return round && round.metAt === null ? round.dueAt : null;
}

/** The ticket as a caller sees it: its state plus what that caller may do next. */
export function ticketResponse(t: Ticket, principal: Principal): TicketJson {
  return { ...ticketJson(t), enabled_transitions: [...availableFrom(t.status, principal)] };
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
