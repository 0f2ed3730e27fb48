// The ticket aggregate's shape: what is stored, read and published for one ticket.
import type { CustomerTier, Priority, TicketType } from './fields.js';
import type { SlaClock } from './sla.js';
import { PLACES, type Place } from './workflow.js';

/** A ticket's status is the workflow place its token is in. */
export const STATUSES = PLACES;
export type Status = Place;

export type Ticket = {
  id: string;
  tenant: string;
  title: string;
  description: string | null;
  createdBy: string;
  type: TicketType;
  priority: Priority;
  status: Status;
  customerId: string | null;
  customerTier: CustomerTier;
  assignee: string | null;
  tags: string[];
  externalId: string | null;
  escalationLevel: number;
  /** The GitHub issue this ticket is linked to. */
  githubIssue: GithubIssue | null;
  /** The SLA clock of the current round; null when the tier has no SLA. */
  sla: SlaClock | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  closedAt: string | null;
  /** When the ticket entered its status (idle automations count from here, once per entry). */
  statusChangedAt: string;
};

export type GithubIssue = { number: number; url: string };

/** A file attached to a ticket; the bytes live in the tenant's object store under `id`. */
export type Attachment = { id: string; filename: string; contentType: string; size: number; sha256: string; createdBy: string; createdAt: string };

/** A comment on a ticket. Internal comments are between staff: customers never see them. */
export type Comment = { id: string; author: string; body: string; internal: boolean; createdAt: string };

/** What a client may set at create (already validated and normalised by the request schema). */
export type NewTicket = {
  title: string;
  description?: string | undefined;
  createdBy: string;
  type?: TicketType | undefined;
  priority?: Priority | undefined;
  customerId?: string | null | undefined;
  customerTier?: CustomerTier | undefined;
  tags?: string[] | undefined;
  externalId?: string | null | undefined;
};

/** What PATCH may change; absent keys stay, null clears an optional field. */
export type TicketPatch = {
  title?: string | undefined;
  description?: string | null | undefined;
  type?: TicketType | undefined;
  priority?: Priority | undefined;
  customerId?: string | null | undefined;
  customerTier?: CustomerTier | undefined;
  tags?: string[] | undefined;
};
