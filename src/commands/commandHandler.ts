// The one way a ticket changes, whoever asks (a route, batch import, the SLA scheduler, a
// consumer): build the command context once, load the ticket, run the pure decider, stamp and
// encode its events, commit the write with its guards, and decide again when the ticket changed
// meanwhile. Store adapters only store; this module is the decide loop.
import type { CommandContext, Decision, Refusal, Write } from '../domain/decision.js';
import type { DomainEvent } from '../domain/events.js';
import type { Principal } from '../domain/roles.js';
import { slaChangedEvents } from '../domain/slaMetrics.js';
import type { Ticket } from '../domain/ticket.js';
import { toRecord } from '../events/record.js';
import { createKeyedQueue } from '../orderedByKey.js';
import type { TenantSettingsSource } from '../settings/tenantSettings.js';
import { type Committed, type EventRecord, type ListQuery, type Loaded, StoreUnavailableError, type TicketStore } from '../store/port.js';
import { type CreateOutcome, type IdempotencyClaim, outcomeOfPriorClaim } from './idempotency.js';

/** Who asks: the tenant, the caller and the correlation id; `now` only where a test or the scheduler picks the instant. */
export type Caller = { tenant: string; principal: Principal; correlationId: string; now?: Date | undefined };

export type ChangeOutcome = { kind: 'done'; ticket: Ticket; deleted: boolean } | Refusal;
/** An import by external id: created, changed, or already as given. */
export type UpsertOutcome = { kind: 'created' | 'updated' | 'unchanged'; ticket: Ticket } | Refusal;

export type CommandHandler = {
  /** Creates a ticket, or replays the first response to its Idempotency-Key. */
  create(caller: Caller, decide: (ctx: CommandContext) => Decision, claim?: IdempotencyClaim): Promise<CreateOutcome>;
  /** Changes (or reads, or deletes) one ticket: not_found when the tenant has no such ticket. */
  change(caller: Caller, id: string, decide: (current: Ticket, ctx: CommandContext) => Decision): Promise<ChangeOutcome>;
  /**
   * A change made at most once under `key` (a consumer acting on an event): it commits together
   * with the key's claim; `already_applied` when a change under that key committed before.
   */
  changeOnce(caller: Caller, id: string, key: string, decide: (current: Ticket, ctx: CommandContext) => Decision): Promise<ChangeOutcome | AlreadyApplied>;
  /** Creates or changes the tenant's ticket with this external id. */
  upsertByExternalId(caller: Caller, externalId: string, decide: (current: Ticket | undefined, ctx: CommandContext) => Decision): Promise<UpsertOutcome>;
  /** A page of tickets, with the audit events the page raises. */
  list(caller: Caller, query: ListQuery, audit: (page: Ticket[], ctx: CommandContext) => DomainEvent[]): Promise<Ticket[]>;
};

export type CommandHandlerDeps = { store: TicketStore; settings: TenantSettingsSource; now: () => Date; newId: () => string };

export type AlreadyApplied = { kind: 'already_applied' };
/** Claims made by changeOnce are one kind of request each, and live until the store purges them. */
const ONCE = 'once';
const NEVER_EXPIRES = '1970-01-01T00:00:00.000Z';

/** A decision made on a ticket that another process keeps changing is made again, this often at most. */
const MAX_ATTEMPTS = 20;

type Accepted = Extract<Decision, { ok: true }>;

export function createCommandHandler({ store, settings, now, newId }: CommandHandlerDeps): CommandHandler {
  // Commands on one ticket run one after another in this process, each deciding on what the
  // previous one committed, instead of racing and deciding again.
  const lanes = createKeyedQueue();

  const contextOf = async ({ tenant, principal, correlationId, now: at }: Caller): Promise<CommandContext> => {
    const tenantSettings = await settings.get(tenant);
    return {
      tenant,
      principal,
      correlationId,
      now: (at ?? now()).toISOString(),
      newId,
      severityKeywords: tenantSettings.severityKeywords,
      sla: tenantSettings.sla,
      routing: tenantSettings.routing,
    };
  };

  const stamped = (events: readonly DomainEvent[], ctx: CommandContext): EventRecord[] =>
    events.map((event) => toRecord(event, { eventId: ctx.newId(), tenant: ctx.tenant, occurredAt: ctx.now, correlationId: ctx.correlationId }));

  const commitDecision = (ctx: CommandContext, decision: Accepted, read: Ticket | undefined, claim?: IdempotencyClaim): Promise<Committed> =>
    store.commit({
      tenant: ctx.tenant,
      write: decision.write,
      read,
      events: stamped(withSlaMetrics(read, decision, ctx), ctx),
      claim: claim && { ...claim, response: JSON.stringify(decision.write.ticket) },
    });

  /** Loads, decides and commits until the commit lands on the state it was decided on. */
  const decideAndCommit = async <T>(
    ctx: CommandContext,
    load: (fresh: boolean) => Promise<Loaded>,
    decide: (current: Ticket | undefined) => Decision,
    done: (decision: Accepted) => T,
    claim?: IdempotencyClaim,
  ): Promise<T | Refusal | AlreadyApplied> => {
    let fresh = false;
    for (let attempt = 1; ; attempt++) {
      const { ticket: current, cached } = await load(fresh);
      const decision = decide(current);
      if (!decision.ok || isIdle(decision.write, decision.events)) {
        // A copy kept in memory may be stale (another process wrote the ticket): a refusal or a
        // no-op commits nothing that could tell, so it is decided again on the ticket as stored.
        if (cached) {
          fresh = true;
          continue;
        }
        return decision.ok ? done(decision) : decision;
      }
      const committed = await commitDecision(ctx, decision, current, claim);
      if (committed.ok) return done(decision);
      if (committed.reason === 'claimed') return { kind: 'already_applied' };
      // The ticket changed, or another request inserted its external id first: decide again on what is stored now.
      fresh = true;
      if (attempt >= MAX_ATTEMPTS) throw new StoreUnavailableError(new Error(`the ticket kept changing under this command (${attempt} attempts)`));
    }
  };

  const changeTicket = async (
    caller: Caller,
    id: string,
    decide: (current: Ticket, ctx: CommandContext) => Decision,
    claim?: IdempotencyClaim,
  ): Promise<ChangeOutcome | AlreadyApplied> => {
    const ctx = await contextOf(caller);
    return lanes.run(`${ctx.tenant}\u0000${id}`, () =>
      decideAndCommit(
        ctx,
        (fresh) => store.load(ctx.tenant, id, fresh),
        (current) => (current ? decide(current, ctx) : { ok: false, code: 'not_found' }),
        (decision): ChangeOutcome => ({ kind: 'done', ticket: decision.write.ticket, deleted: decision.write.kind === 'delete' }),
        claim,
      ),
    );
  };

  return {
    async create(caller, decide, claim) {
      const ctx = await contextOf(caller);
      for (let attempt = 1; ; attempt++) {
        const prior = claim && (await store.priorClaim(ctx.tenant, claim.key, claim.notBefore));
        if (prior) return outcomeOfPriorClaim(prior, claim);
        const decision = decide(ctx);
        if (!decision.ok) return decision;
        const ticket = decision.write.ticket;
        const committed = await commitDecision(ctx, decision, undefined, claim);
        if (committed.ok) return { kind: 'created', ticket };
        switch (committed.reason) {
          case 'claimed':
            return outcomeOfPriorClaim(committed.prior, claim!);
          case 'external_id_taken':
            return { ok: false, code: 'external_id_taken', externalId: ticket.externalId ?? '' };
          case 'conflict':
            // A claim committed by a concurrent request expired before it could be read: claim again.
            if (attempt >= 3) throw new StoreUnavailableError(new Error('the Idempotency-Key kept changing under this create'));
            continue;
          default: {
            const unreachable: never = committed;
            throw new Error(`unhandled commit outcome ${JSON.stringify(unreachable)}`);
          }
        }
      }
    },

    change: async (caller, id, decide) => unclaimed(await changeTicket(caller, id, decide)),

    changeOnce: (caller, id, key, decide) => changeTicket(caller, id, decide, { key, fingerprint: ONCE, notBefore: NEVER_EXPIRES }),

    async upsertByExternalId(caller, externalId, decide) {
      const ctx = await contextOf(caller);
      return lanes.run(`${ctx.tenant}\u0001${externalId}`, async () =>
        unclaimed(
          await decideAndCommit(
            ctx,
            async () => ({ ticket: await store.loadByExternalId(ctx.tenant, externalId), cached: false }),
            (current) => decide(current, ctx),
            (decision): UpsertOutcome => ({ kind: upsertKind(decision.write), ticket: decision.write.ticket }),
          ),
        ),
      );
    },

    async list(caller, query, audit) {
      const ctx = await contextOf(caller);
      const page = await store.list(ctx.tenant, query);
      const events = audit(page, ctx);
      if (events.length > 0) await store.commit({ tenant: ctx.tenant, events: stamped(events, ctx) });
      return page;
    },
  };
}

/** The decision's events, then the SLA metric events its write raises (SPEC §12). */
function withSlaMetrics(read: Ticket | undefined, decision: Accepted, ctx: CommandContext): readonly DomainEvent[] {
  const { write } = decision;
  if (write.kind === 'none' || write.kind === 'delete' || write.ticket.sla === read?.sla) return decision.events;
  return [...decision.events, ...slaChangedEvents(read, write.ticket, ctx.principal.id, ctx.now)];
}

/** The outcome of a command made without a claim, which nothing can have applied before. */
function unclaimed<T>(outcome: T | AlreadyApplied): T {
  if (typeof outcome === 'object' && outcome !== null && 'kind' in outcome && outcome.kind === 'already_applied') {
    throw new Error('a command without a claim cannot have been applied before');
  }
  return outcome as T;
}

const isIdle = (write: Write, events: readonly DomainEvent[]) => write.kind === 'none' && events.length === 0;

function upsertKind(write: Write): 'created' | 'updated' | 'unchanged' {
  switch (write.kind) {
    case 'insert':
      return 'created';
    case 'none':
      return 'unchanged';
    case 'update':
    case 'delete':
      return 'updated';
    default: {
      const unreachable: never = write;
      throw new Error(`unhandled write ${JSON.stringify(unreachable)}`);
    }
  }
}
