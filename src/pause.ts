// A pause that can be cut short: background loops sleep between rounds, and new work or a stop
// must not wait out the timer.

export type Pause = {
  sleep(ms: number): Promise<void>;
  /** Ends the pause under way, if any. */
  wake(): void;
  /** Ends the pause under way and makes every later one return at once. */
  interrupt(): void;
};

export function createPause(): Pause {
  let interrupted = false;
  let wake: (() => void) | undefined;
  return {
    sleep(ms) {
      if (interrupted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          // A sleep raced against something else may end by its timer after a newer one began.
          if (wake === done) wake = undefined;
          resolve();
        }
        wake = done;
      });
    },
    wake() {
      wake?.();
    },
    interrupt() {
      interrupted = true;
      wake?.();
    },
  };
}
