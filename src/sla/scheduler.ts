// The `sla` component: every SLA_SCAN_INTERVAL_MS, asks the store for tickets whose next SLA
// threshold has passed (an index on the next due time, not a scan) and runs checkSla on each in
// its own command. checkSla re-reads the ticket and marks only what is not marked yet, so
// several replicas, or a retry, fire each threshold once.
import type { Logger } from 'pino';
import { startPeriodicPass } from '../periodicPass.js';
import type { Principal } from '../domain/roles.js';
import { type SlaCrossing, crossThresholds } from '../domain/sla.js';
import { checkSla } from '../domain/ticketCommands.js';
import type { Metrics } from '../metrics.js';
import type { CommandHandler } from '../commands/commandHandler.js';
import type { TicketStore } from '../store/port.js';

export type SlaScheduler = {
  /** One pass (the interval's, or a test's at a chosen instant); resolves with how many tickets changed. */
  runOnce(at?: Date): Promise<number>;
  stop(): Promise<void>;
};

const SYSTEM: Principal = { id: 'system:sla', roles: ['admin'] };

export function startSlaScheduler(
  store: TicketStore,
  commands: CommandHandler,
  opts: { intervalMs: number; batchSize?: number; now: () => Date },
  log: Logger,
  metrics: Metrics,
): SlaScheduler {
  const { intervalMs, batchSize = 200, now } = opts;
  let stopped = false;

  const pass = async (instant?: Date): Promise<number> => {
    let changed = 0;
    for (;;) {
      const instantNow = instant ?? now();
      const at = instantNow.toISOString();
      const due = await store.slaDue(at, batchSize);
      let progress = 0;
      for (const { tenant, id } of due) {
        let crossed: SlaCrossing[] = [];
        await commands.change({ tenant, principal: SYSTEM, correlationId: `sla-${at}`, now: instantNow }, id, (t, ctx) => {
          crossed = t.sla ? crossThresholds(t.sla, ctx.now).crossed : [];
          return checkSla(t, ctx);
        });
        for (const c of crossed) metrics.slaCrossings.inc({ kind: c.kind });
        if (crossed.length > 0) progress += 1;
      }
      changed += progress;
      // A full batch that moved something means more may be due; otherwise this pass is done.
      if (due.length < batchSize || progress === 0 || stopped) return changed;
    }
  };

  const periodic = startPeriodicPass(pass, intervalMs, log, 'sla_scan');
  return {
    runOnce: periodic.runOnce,
    async stop() {
      stopped = true;
      await periodic.stop();
    },
  };
}
