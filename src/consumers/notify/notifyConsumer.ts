// The notify consumer: notification requests and SLA changes become notifications on every channel
// (a structured log line, the tenant's webhooks), at most one per ticket and reason in the dedupe
// window. A failed webhook makes the event fail, so the runtime retries it; webhooks that already
// took it are remembered (processed-events, per webhook) and not sent it again.
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics.js';
import type { ConsumerStore } from '../../store/consumerPort.js';
import { failureReason } from '../consumedEvent.js';
import type { ConsumerDefinition } from '../runtime.js';
import { deliverToWebhook } from './deliver.js';
import { toNotification } from './notification.js';
import { WebhookRefusedError, type WebhookClient } from './webhookClient.js';

export type NotifyDeps = {
  store: ConsumerStore;
  client: WebhookClient;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  dedupeWindowMs: number;
  userAgent: string;
};

export function notifyConsumer({ store, client, log, metrics, now, dedupeWindowMs, userAgent }: NotifyDeps): ConsumerDefinition {
  return {
    name: 'notify',
    subscriptions: [
      { durable: 'notify', filter: '*.notification.notification.event.requested' },
      { durable: 'notify_sla', filter: '*.ticket.ticket.event.sla_changed' },
    ],
    async handle(event, attempt) {
      const n = toNotification(event);
      if (!n) return;
      const at = now();
      const context = {
        operation: 'notification',
        tenant: n.tenant,
        ticket_id: n.ticket.id,
        reason: n.reason,
        event_id: n.eventId,
        correlation_id: n.correlationId,
      };
      const claimed = await store.claimNotification({
        tenant: n.tenant,
        ticketId: n.ticket.id,
        reason: n.reason,
        eventId: n.eventId,
        at: at.toISOString(),
        notBefore: new Date(at.getTime() - dedupeWindowMs).toISOString(),
      });
      if (!claimed) {
        log.info({ ...context, channel: 'none' }, 'notification held back: the same ticket and reason were notified within the dedupe window');
        return;
      }
      if (attempt.deliveryCount === 1) {
        log.info({ ...context, channel: 'log', event: n.event, keywords: n.keywords, title: n.ticket.title, priority: n.ticket.priority }, 'notification');
      }
      const failures: string[] = [];
      for (const hook of (await store.webhooks(n.tenant)).filter((h) => h.events.includes(n.event))) {
        const sentKey = `notify:${hook.id}`;
        if (await store.isProcessed(sentKey, n.eventId)) continue;
        attempt.working();
        try {
          await deliverToWebhook(client, hook, n, now(), userAgent);
          await store.markProcessed(sentKey, n.eventId, now().toISOString());
          metrics.webhookDeliveries.inc({ outcome: 'delivered' });
        } catch (error) {
          const refused = error instanceof WebhookRefusedError;
          metrics.webhookDeliveries.inc({ outcome: refused ? 'refused' : 'failed' });
          log.warn({ ...context, channel: 'webhook', webhook_id: hook.id, webhook: hook.name, error: failureReason(error) }, 'webhook delivery failed');
          failures.push(`${hook.name}: ${failureReason(error)}`);
        }
      }
      if (failures.length > 0) throw new Error(`webhook delivery failed (${failures.join('; ')})`);
    },
  };
}
