// The consumers' public face: which consumers a process runs (COMPONENTS), started and stopped together.
import type { Component } from '../config.js';
import { auditConsumer } from './audit.js';
import { type ConsumerDefinition, type RunningConsumer, type RuntimeDeps, startConsumer } from './runtime.js';

export type { ConsumerDefinition, RuntimeDeps } from './runtime.js';

export type Consumers = { stop(): Promise<void> };

/** Starts the durable consumers among `components`; `extra` are definitions built by the caller (notify). */
export function startConsumers(components: ReadonlySet<Component>, deps: RuntimeDeps, extra: ConsumerDefinition[] = []): Consumers {
  const definitions = [...(components.has('audit') ? [auditConsumer(deps.store, deps.now)] : []), ...extra];
  const running: RunningConsumer[] = definitions.map((def) => startConsumer(def, deps));
  return {
    async stop() {
      await Promise.all(running.map((r) => r.stop()));
    },
  };
}
