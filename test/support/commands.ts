// Drives a store through the real command handler, with each decision made on the test's own
// command context (its clock and ids), as the store contracts need.
import { randomUUID } from 'node:crypto';
import { type CommandHandler, createCommandHandler } from '../../src/commands/commandHandler.js';
import type { IdempotencyClaim } from '../../src/commands/idempotency.js';
import type { Decision } from '../../src/domain/decision.js';
import type { DomainEvent } from '../../src/domain/events.js';
import { DEFAULT_SLA_POLICY } from '../../src/domain/sla.js';
import type { Ticket } from '../../src/domain/ticket.js';
import { createTenantSettings } from '../../src/settings/tenantSettings.js';
import type { ListQuery, TicketStore } from '../../src/store/port.js';
import { getOrAdd } from '../../src/getOrAdd.js';

export type TestCommands = ReturnType<typeof commandsOver>;

export function commandsOver(store: TicketStore, { now = () => new Date(), newId = randomUUID }: { now?: () => Date; newId?: () => string } = {}) {
  const settings = createTenantSettings(store, { policy: () => DEFAULT_SLA_POLICY, alertThreshold: 0.85, severityKeywords: ['critical'] });
  const handler: CommandHandler = createCommandHandler({ store, settings, now, newId });
  const caller = (tenant: string) => ({ tenant, principal: { id: 'test', roles: ['admin' as const] }, correlationId: 'c' });
  return {
    handler,
    create: (tenant: string, decide: () => Decision, claim?: IdempotencyClaim) => handler.create(caller(tenant), () => decide(), claim),
    change: (tenant: string, id: string, decide: (current: Ticket) => Decision) => handler.change(caller(tenant), id, (current) => decide(current)),
    upsertByExternalId: (tenant: string, externalId: string, decide: (current: Ticket | undefined) => Decision) =>
      handler.upsertByExternalId(caller(tenant), externalId, (current) => decide(current)),
    list: (tenant: string, query: ListQuery, audit: (page: Ticket[]) => DomainEvent[] = () => []) => handler.list(caller(tenant), query, (page) => audit(page)),
  };
}

const byStore = new WeakMap<TicketStore, TestCommands>();

/** One command handler per store, as one process has. */
export function viaCommands(store: TicketStore): TestCommands {
  return getOrAdd(byStore, store, () => commandsOver(store));
}
