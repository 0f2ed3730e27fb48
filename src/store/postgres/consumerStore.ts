// The consumers' store on PostgreSQL: processed events, the audit log, webhook targets and the
// notification claims, one statement each on the ticket store's pool. Every write is a single
// statement with ON CONFLICT, so replicas racing on the same event or claim cannot both win.
import type { Kysely } from 'kysely';
import type { ConsumerStore } from '../consumerPort.js';
import { auditToRow, automationToRow, rowToAudit, rowToAutomation, rowToWebhook, selectAuditPage } from '../consumerRows.js';
import type { AuditRow, Database } from '../schema.js';

export function createPostgresConsumerStore(db: Kysely<Database>, guard: <T>(work: () => Promise<T>) => Promise<T>): ConsumerStore {
  return {
    async isProcessed(consumer, eventId) {
      const row = await guard(() =>
        db.selectFrom('processed_events').select('event_id').where('consumer', '=', consumer).where('event_id', '=', eventId).executeTakeFirst(),
      );
      return row !== undefined;
    },
    async markProcessed(consumer, eventId, at) {
      await guard(() =>
        db
          .insertInto('processed_events')
          .values({ consumer, event_id: eventId, processed_at: at })
          .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
          .execute(),
      );
    },
    async appendAudit(e) {
      const added = await guard(() =>
        db
          .insertInto('audit_log')
          .values(auditToRow(e))
          .onConflict((oc) => oc.column('event_id').doNothing())
          .executeTakeFirst(),
      );
      return Number(added.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async audit(tenant, query) {
      const rows = await guard(() => selectAuditPage(db, tenant, query).execute());
      return rows.map((r) => rowToAudit(r as AuditRow & { seq: number }));
    },
    async addWebhook(h) {
      await guard(() =>
        db
          .insertInto('webhooks')
          .values({ tenant: h.tenant, id: h.id, name: h.name, url: h.url, events: JSON.stringify(h.events), secret: h.secret, created_at: h.createdAt })
          .execute(),
      );
    },
    async webhooks(tenant) {
      const rows = await guard(() => db.selectFrom('webhooks').selectAll().where('tenant', '=', tenant).orderBy('created_at').orderBy('id').execute());
      return rows.map(rowToWebhook);
    },
    async deleteWebhook(tenant, id) {
      const result = await guard(() => db.deleteFrom('webhooks').where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst());
      return Number(result.numDeletedRows) > 0;
    },
    async claimNotification(c) {
      // One statement decides and claims: a free slot, an expired claim, or a retry of the claiming event.
      const result = await guard(() =>
        db
          .insertInto('notification_claims')
          .values({ tenant: c.tenant, ticket_id: c.ticketId, reason: c.reason, event_id: c.eventId, claimed_at: c.at })
          .onConflict((oc) =>
            oc
              .columns(['tenant', 'ticket_id', 'reason'])
              .doUpdateSet((eb) => ({ event_id: eb.ref('excluded.event_id'), claimed_at: eb.ref('excluded.claimed_at') }))
              .where((eb) =>
                eb.or([eb('notification_claims.claimed_at', '<', c.notBefore), eb('notification_claims.event_id', '=', eb.ref('excluded.event_id'))]),
              ),
          )
          .executeTakeFirst(),
      );
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async automations(tenant) {
      const rows = await guard(() =>
        db.selectFrom('automations').selectAll().where('tenant', '=', tenant).orderBy('position').orderBy('created_at').orderBy('id').execute(),
      );
      return rows.map(rowToAutomation);
    },
    async idleAutomations() {
      const rows = await guard(() =>
        db
          .selectFrom('automations')
          .selectAll()
          .where('idle', '=', 1)
          .where('enabled', '=', 1)
          .orderBy('tenant')
          .orderBy('position')
          .orderBy('created_at')
          .execute(),
      );
      return rows.map(rowToAutomation);
    },
    async putAutomation(a) {
      const row = automationToRow(a);
      await guard(() =>
        db
          .insertInto('automations')
          .values(row)
          .onConflict((oc) =>
            oc
              .columns(['tenant', 'id'])
              .doUpdateSet({ position: row.position, enabled: row.enabled, idle: row.idle, rule: row.rule, updated_at: row.updated_at }),
          )
          .execute(),
      );
    },
    async deleteAutomation(tenant, id) {
      const result = await guard(() => db.deleteFrom('automations').where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst());
      return Number(result.numDeletedRows) > 0;
    },
  };
}
