// SPEC §8 github: what an issue for a bug ticket says, and the marker that finds it again.
import { describe, expect, it } from 'vitest';
import { issueFor, issueMarker } from '../../src/consumers/github/githubConsumer.js';
import { existing } from '../support/tickets.js';

describe('the issue for a bug ticket', () => {
  it('names the tenant and ticket, carries the description and the marker, and is labelled', () => {
    const t = existing({ type: 'bug', title: 'Checkout crashes', description: 'NPE in cart', priority: 'high' });
    const issue = issueFor(t);
    expect(issue.title).toBe('[acme] Checkout crashes');
    expect(issue.labels).toEqual(['ticket-svc', 'bug']);
    expect(issue.body).toContain('NPE in cart');
    expect(issue.body).toContain('Tenant `acme`, ticket `ticket-1` (priority high).');
    expect(issue.body.endsWith(issueMarker(t))).toBe(true);
  });

  it('gives each tenant and ticket its own marker, hidden in rendered Markdown', () => {
    expect(issueMarker({ tenant: 'acme', id: 't-1' })).toBe('<!-- ticket-svc:acme/t-1 -->');
    expect(issueMarker({ tenant: 'globex', id: 't-1' })).not.toBe(issueMarker({ tenant: 'acme', id: 't-1' }));
    expect(issueFor(existing({ description: null })).body.startsWith('(no description)')).toBe(true);
  });
});
