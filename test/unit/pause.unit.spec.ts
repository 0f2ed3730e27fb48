// The pause background loops sleep in between rounds: cut short by new work, and never deaf to it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPause } from '../../src/pause.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Whether the promise has settled once the queued callbacks have run. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('the pause', () => {
  it('ends at its timer, or as soon as it is woken', async () => {
    const pause = createPause();
    const timed = pause.sleep(100);
    expect(await settled(timed)).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(await settled(timed)).toBe(true);

    const woken = pause.sleep(60_000);
    pause.wake();
    expect(await settled(woken)).toBe(true);
  });

  it('still wakes the sleep under way when an older one, raced against something else, ends by its timer', async () => {
    const pause = createPause();
    const older = pause.sleep(100);
    const current = pause.sleep(60_000);
    await vi.advanceTimersByTimeAsync(100);
    expect(await settled(older)).toBe(true);
    pause.wake();
    expect(await settled(current)).toBe(true);
  });

  it('after an interrupt, returns at once', async () => {
    const pause = createPause();
    const sleeping = pause.sleep(60_000);
    pause.interrupt();
    expect(await settled(sleeping)).toBe(true);
    expect(await settled(pause.sleep(60_000))).toBe(true);
  });
});
