// The consumers' public face: which consumers a process runs (COMPONENTS), started and stopped together.
import type { Component } from '../config.js';
import { auditConsumer } from './audit.js';
import { addressPolicy } from './notify/addresses.js';
import { notifyConsumer } from './notify/notifyConsumer.js';
import { createWebhookClient } from './notify/webhookClient.js';
import { type ConsumerDefinition, type RuntimeDeps, startConsumer } from './runtime.js';

export type ConsumerOptions = {
  components: ReadonlySet<Component>;
  webhooks: { allowPrivate: boolean; timeoutMs: number };
  notifyDedupeWindowMs: number;
  /** User-Agent of webhook deliveries. */
  userAgent: string;
};

export type Consumers = { stop(): Promise<void> };

/** Starts the durable consumers among the components (audit, notify). */
export function startConsumers(opts: ConsumerOptions, deps: RuntimeDeps): Consumers {
  const definitions: ConsumerDefinition[] = [];
  if (opts.components.has('audit')) definitions.push(auditConsumer(deps.store, deps.now));
  if (opts.components.has('notify')) {
    const client = createWebhookClient({ timeoutMs: opts.webhooks.timeoutMs, permits: addressPolicy(opts.webhooks.allowPrivate) });
    definitions.push(notifyConsumer({ ...deps, client, dedupeWindowMs: opts.notifyDedupeWindowMs, userAgent: opts.userAgent }));
  }
  const running = definitions.map((def) => startConsumer(def, deps));
  return {
    async stop() {
      await Promise.all(running.map((r) => r.stop()));
    },
  };
}
