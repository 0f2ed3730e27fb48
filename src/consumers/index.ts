// The consumers' public face: which consumers a process runs (COMPONENTS), started and stopped together.
import type { Component } from '../config.js';
import type { CommandHandler } from '../commands/commandHandler.js';
import { auditConsumer } from './audit.js';
import { type GithubSettings, createGithubApi } from './github/githubApi.js';
import { githubConsumer } from './github/githubConsumer.js';
import { addressPolicy } from './notify/addresses.js';
import { notifyConsumer } from './notify/notifyConsumer.js';
import { createWebhookClient } from './notify/webhookClient.js';
import { type ConsumerDefinition, type RuntimeDeps, startConsumer } from './runtime.js';
import { automationsConsumer, startIdleScan } from '../automations/automationsConsumer.js';
import { createRuleRunner } from '../automations/runRule.js';
import type { TicketStore } from '../store/port.js';

export type ConsumerOptions = {
  components: ReadonlySet<Component>;
  webhooks: { allowPrivate: boolean; timeoutMs: number };
  notifyDedupeWindowMs: number;
  /** User-Agent of webhook deliveries and GitHub calls. */
  userAgent: string;
  /** The github consumer's repository and token; it runs only when given. */
  github?: { settings: GithubSettings; commands: CommandHandler } | undefined;
  /** What the automations component changes tickets through, and how often it looks for idle tickets. */
  automations?: { tickets: TicketStore; commands: CommandHandler; idleScanMs: number } | undefined;
};

export type Consumers = { stop(): Promise<void>; idleScan?: { runOnce(at?: Date): Promise<number> } | undefined };

/** Starts the durable consumers among the components (audit, notify, github, automations). */
export function startConsumers(opts: ConsumerOptions, deps: RuntimeDeps): Consumers {
  const definitions: ConsumerDefinition[] = [];
  if (opts.components.has('audit')) definitions.push(auditConsumer(deps.store, deps.now));
  const webhookClient = () => createWebhookClient({ timeoutMs: opts.webhooks.timeoutMs, permits: addressPolicy(opts.webhooks.allowPrivate) });
  if (opts.components.has('notify')) {
    definitions.push(notifyConsumer({ ...deps, client: webhookClient(), dedupeWindowMs: opts.notifyDedupeWindowMs, userAgent: opts.userAgent }));
  }
  let idleScan: ReturnType<typeof startIdleScan> | undefined;
  if (opts.components.has('automations') && opts.automations) {
    const { tickets, commands, idleScanMs } = opts.automations;
    const runner = createRuleRunner({ tickets, store: deps.store, commands, client: webhookClient(), log: deps.log, now: deps.now, userAgent: opts.userAgent });
    const automationDeps = { store: deps.store, tickets, runner, log: deps.log, now: deps.now };
    definitions.push(automationsConsumer(automationDeps));
    idleScan = startIdleScan(automationDeps, idleScanMs);
  }
  if (opts.components.has('github') && opts.github) {
    const { settings, commands } = opts.github;
    definitions.push(githubConsumer(createGithubApi(settings, opts.userAgent), commands));
  } else if (opts.components.has('github')) {
    deps.log.info({ operation: 'github' }, 'github consumer not started: GITHUB_TOKEN is not set');
  }
  const running = definitions.map((def) => startConsumer(def, deps));
  return {
    idleScan,
    async stop() {
      await Promise.all([...running.map((r) => r.stop()), idleScan?.stop()]);
    },
  };
}
