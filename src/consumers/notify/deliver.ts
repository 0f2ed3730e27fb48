// One notification to one webhook: the body (Slack's shape for Slack targets), its signature and headers.
import type { Webhook } from '../../store/consumerPort.js';
import { type Notification, deliveryId, isSlackTarget, slackPayload, webhookPayload } from './notification.js';
import { signBody } from './signature.js';
import type { WebhookClient } from './webhookClient.js';

export const WEBHOOK_HEADERS = {
  signature: 'X-Signature-256',
  timestamp: 'X-Webhook-Timestamp',
  delivery: 'X-Webhook-Delivery',
  event: 'X-Webhook-Event',
} as const;

export async function deliverToWebhook(client: WebhookClient, hook: Webhook, n: Notification, now: Date, userAgent: string): Promise<void> {
  const delivery = deliveryId(hook.id, n.eventId);
  const body = JSON.stringify(isSlackTarget(hook.url) ? slackPayload(n) : webhookPayload(n, delivery));
  await client.post(hook.url, body, {
    'Content-Type': 'application/json',
    'User-Agent': userAgent,
    [WEBHOOK_HEADERS.signature]: signBody(hook.secret, body),
    [WEBHOOK_HEADERS.timestamp]: String(Math.floor(now.getTime() / 1000)),
    [WEBHOOK_HEADERS.delivery]: delivery,
    [WEBHOOK_HEADERS.event]: n.event,
  });
}
