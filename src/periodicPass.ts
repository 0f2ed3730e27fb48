// A pass run every interval (the SLA scan, the idle-automation scan): one at a time, a failed pass
// logged and tried again at the next interval, and runOnce for a test to drive a pass at an instant.
import type { Logger } from 'pino';

export type PeriodicPass = {
  /** One pass (the interval's, or a test's at a chosen instant); joins the pass already running. */
  runOnce(at?: Date): Promise<number>;
  /** No new pass; resolves once the running one ended. */
  stop(): Promise<void>;
};

export function startPeriodicPass(pass: (at?: Date) => Promise<number>, intervalMs: number, log: Logger, operation: string): PeriodicPass {
  let running: Promise<number> | undefined;
  const runOnce = (at?: Date) => (running ??= pass(at).finally(() => (running = undefined)));
  const timer = setInterval(() => {
    runOnce().catch((err: unknown) => log.warn({ operation, err }, `${operation} failed; retrying next interval`));
  }, intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
