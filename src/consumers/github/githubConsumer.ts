// The github consumer: a new `bug` ticket opens a GitHub issue, linked back to the ticket;
// closing the ticket closes the issue, reopening it reopens the issue.
//
// Opening an issue is not idempotent on GitHub's side: an answer lost after GitHub created the
// issue (timeout, crash before the link) would open a second one on retry. Every issue body
// carries a marker naming the tenant and ticket, and before creating, the consumer looks for an
// issue with that marker among the repository's recent `ticket-svc` issues and links it instead.
import type { Principal } from '../../domain/roles.js';
import type { Ticket } from '../../domain/ticket.js';
import { linkGithubIssue } from '../../domain/ticketCommands.js';
import type { CommandHandler } from '../../commands/commandHandler.js';
import type { ConsumedEvent } from '../consumedEvent.js';
import type { ConsumerDefinition } from '../runtime.js';
import type { GithubApi } from './githubApi.js';

const SYSTEM: Principal = { id: 'system:github', roles: ['admin'] };

export const issueMarker = (t: Pick<Ticket, 'tenant' | 'id'>) => `<!-- ticket-svc:${t.tenant}/${t.id} -->`;

export function issueFor(t: Ticket): { title: string; body: string; labels: string[] } {
  const body = [t.description ?? '(no description)', '', `Tenant \`${t.tenant}\`, ticket \`${t.id}\` (priority ${t.priority}).`, issueMarker(t)].join('\n');
  return { title: `[${t.tenant}] ${t.title}`, body, labels: ['ticket-svc', 'bug'] };
}

export function githubConsumer(api: GithubApi, commands: CommandHandler): ConsumerDefinition {
  const link = async (event: ConsumedEvent, ticket: Ticket, issue: { number: number; url: string }) => {
    await commands.change({ tenant: event.tenant, principal: SYSTEM, correlationId: event.meta.correlationId }, ticket.id, (current, ctx) =>
      linkGithubIssue(current, issue, undefined, ctx),
    );
  };
  return {
    name: 'github',
    subscriptions: [
      // Enabled on a service with history, it acts on tickets created from then on, not on every old bug.
      { durable: 'github_created', filter: '*.ticket.ticket.event.created', from: 'new' },
      { durable: 'github_transitioned', filter: '*.ticket.ticket.event.transitioned', from: 'new' },
    ],
    async handle(event) {
      const ticket = event.ticket;
      if (!ticket) return;
      if (event.subject.endsWith('.created')) {
        if (ticket.type !== 'bug' || ticket.githubIssue) return;
        const issue = (await api.findIssue(issueMarker(ticket))) ?? (await api.createIssue(issueFor(ticket)));
        await link(event, ticket, issue);
        return;
      }
      const to = event.transition?.to;
      if (!ticket.githubIssue || (to !== 'closed' && event.transition?.name !== 'reopen')) return;
      await api.setState(ticket.githubIssue.number, to === 'closed' ? 'closed' : 'open');
    },
  };
}
