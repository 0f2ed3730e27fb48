// The consumers' store on SQLite: reads on the ticket store's connection, writes through its
// writer, so the two never hold the write lock against each other.
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { ConsumerStore } from '../consumerPort.js';
import { auditToRow, automationToRow, rowToAudit, rowToAutomation, rowToWebhook, selectAuditPage } from '../consumerRows.js';
import type { AuditRow, AutomationRow, Database, WebhookRow } from '../schema.js';
import { dynamicQueries, prepare } from './prepared.js';
import type { Step } from './writeBatch.js';
import type { Writer } from './writer.js';

export function createSqliteConsumerStore(raw: BetterSqlite3.Database, db: Kysely<Database>, writer: Writer): { store: ConsumerStore } {
  /** Commits one statement; how many rows it changed. */
  const commit = async (step: Step): Promise<number> => {
    const applied = await writer.write({ steps: [step] });
    return applied.ok ? applied.changes : 0;
  };
  const allDynamic = dynamicQueries(raw);
  const q = {
    processed: prepare<{ consumer: string; event_id: string }>(raw, (s) =>
      db.selectFrom('processed_events').select('event_id').where('consumer', '=', s('consumer')).where('event_id', '=', s('event_id')),
    ),
    markProcessed: prepare<{ consumer: string; event_id: string; processed_at: string }>(raw, (s) =>
      db
        .insertInto('processed_events')
        .values({ consumer: s('consumer'), event_id: s('event_id'), processed_at: s('processed_at') })
        .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing()),
    ),
    appendAudit: prepare<Omit<AuditRow, 'seq'>>(raw, (s) =>
      db
        .insertInto('audit_log')
        .values({
          event_id: s('event_id'),
          tenant: s('tenant'),
          ticket_id: s('ticket_id'),
          ticket_version: s('ticket_version'),
          actor: s('actor'),
          action: s('action'),
          subject: s('subject'),
          correlation_id: s('correlation_id'),
          occurred_at: s('occurred_at'),
          recorded_at: s('recorded_at'),
          detail: s('detail'),
        })
        .onConflict((oc) => oc.column('event_id').doNothing()),
    ),
    addWebhook: prepare<WebhookRow>(raw, (s) =>
      db.insertInto('webhooks').values({
        tenant: s('tenant'),
        id: s('id'),
        name: s('name'),
        url: s('url'),
        events: s('events'),
        secret: s('secret'),
        created_at: s('created_at'),
      }),
    ),
    webhooks: prepare<{ tenant: string }>(raw, (s) =>
      db.selectFrom('webhooks').selectAll().where('tenant', '=', s('tenant')).orderBy('created_at').orderBy('id'),
    ),
    deleteWebhook: prepare<{ tenant: string; id: string }>(raw, (s) => db.deleteFrom('webhooks').where('tenant', '=', s('tenant')).where('id', '=', s('id'))),
    automations: prepare<{ tenant: string }>(raw, (s) =>
      db.selectFrom('automations').selectAll().where('tenant', '=', s('tenant')).orderBy('position').orderBy('created_at').orderBy('id'),
    ),
    idleAutomations: prepare<Record<string, never>>(raw, () =>
      db.selectFrom('automations').selectAll().where('idle', '=', 1).where('enabled', '=', 1).orderBy('tenant').orderBy('position').orderBy('created_at'),
    ),
    putAutomation: prepare<AutomationRow>(raw, (s) =>
      db
        .insertInto('automations')
        .values({
          tenant: s('tenant'),
          id: s('id'),
          position: s('position'),
          enabled: s('enabled'),
          idle: s('idle'),
          rule: s('rule'),
          created_at: s('created_at'),
          updated_at: s('updated_at'),
        })
        .onConflict((oc) =>
          oc.columns(['tenant', 'id']).doUpdateSet((eb) => ({
            position: eb.ref('excluded.position'),
            enabled: eb.ref('excluded.enabled'),
            idle: eb.ref('excluded.idle'),
            rule: eb.ref('excluded.rule'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        ),
    ),
    deleteAutomation: prepare<{ tenant: string; id: string }>(raw, (s) =>
      db.deleteFrom('automations').where('tenant', '=', s('tenant')).where('id', '=', s('id')),
    ),
    // One statement decides and claims, so two notify replicas cannot both win the same window.
    claim: prepare<{ tenant: string; ticket_id: string; reason: string; event_id: string; claimed_at: string; not_before: string }>(raw, (s) =>
      db
        .insertInto('notification_claims')
        .values({ tenant: s('tenant'), ticket_id: s('ticket_id'), reason: s('reason'), event_id: s('event_id'), claimed_at: s('claimed_at') })
        .onConflict((oc) =>
          oc
            .columns(['tenant', 'ticket_id', 'reason'])
            .doUpdateSet((eb) => ({ event_id: eb.ref('excluded.event_id'), claimed_at: eb.ref('excluded.claimed_at') }))
            .where((eb) =>
              eb.or([eb('notification_claims.claimed_at', '<', s('not_before')), eb('notification_claims.event_id', '=', eb.ref('excluded.event_id'))]),
            ),
        ),
    ),
  };

  const store: ConsumerStore = {
    async isProcessed(consumer, eventId) {
      return q.processed.get({ consumer, event_id: eventId }) !== undefined;
    },
    async markProcessed(consumer, eventId, at) {
      await commit(q.markProcessed.step({ consumer, event_id: eventId, processed_at: at }));
    },
    async appendAudit(e) {
      const added = await commit(q.appendAudit.step(auditToRow(e)));
      return added > 0;
    },
    async audit(tenant, query) {
      return allDynamic<AuditRow & { seq: number }>(selectAuditPage(db, tenant, query)).map(rowToAudit);
    },
    async addWebhook(h) {
      await commit(
        q.addWebhook.step({
          tenant: h.tenant,
          id: h.id,
          name: h.name,
          url: h.url,
          events: JSON.stringify(h.events),
          secret: h.secret,
          created_at: h.createdAt,
        }),
      );
    },
    async webhooks(tenant) {
      return q.webhooks.all<WebhookRow>({ tenant }).map(rowToWebhook);
    },
    async deleteWebhook(tenant, id) {
      return (await commit(q.deleteWebhook.step({ tenant, id }))) > 0;
    },
    async claimNotification(c) {
      const changed = await commit(
        q.claim.step({ tenant: c.tenant, ticket_id: c.ticketId, reason: c.reason, event_id: c.eventId, claimed_at: c.at, not_before: c.notBefore }),
      );
      return changed > 0;
    },
    async automations(tenant) {
      return q.automations.all<AutomationRow>({ tenant }).map(rowToAutomation);
    },
    async idleAutomations() {
      return q.idleAutomations.all<AutomationRow>({}).map(rowToAutomation);
    },
    async putAutomation(a) {
      await commit(q.putAutomation.step(automationToRow(a)));
    },
    async deleteAutomation(tenant, id) {
      return (await commit(q.deleteAutomation.step({ tenant, id }))) > 0;
    },
  };
  return { store };
}
