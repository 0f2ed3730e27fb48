// An interruptible pause for the background loops of the PostgreSQL adapter: stop() must not wait out a timer.

export type Sleeper = {
  sleep(ms: number): Promise<void>;
  /** Ends the current pause and every later one at once. */
  interrupt(): void;
};

export function createSleeper(): Sleeper {
  let interrupted = false;
  let wake: (() => void) | undefined;
  return {
    sleep(ms) {
      if (interrupted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
    },
    interrupt() {
      interrupted = true;
      wake?.();
    },
  };
}
