// Consumers handle tickets in parallel and the events of one ticket in order.
import { describe, expect, it } from 'vitest';
import { createKeyedQueue } from '../../src/orderedByKey.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('work ordered by key', () => {
  it('runs work of one key one after another, in arrival order', async () => {
    const queue = createKeyedQueue();
    const log: string[] = [];
    const gate = deferred();
    const first = queue.run('a', async () => {
      log.push('a1 start');
      await gate.promise;
      log.push('a1 end');
    });
    const second = queue.run('a', async () => {
      log.push('a2');
    });
    await Promise.resolve();
    expect(log).toEqual(['a1 start']);
    gate.resolve();
    await Promise.all([first, second]);
    expect(log).toEqual(['a1 start', 'a1 end', 'a2']);
  });

  it('does not hold one key back for another', async () => {
    const queue = createKeyedQueue();
    const gate = deferred();
    const log: string[] = [];
    const blocked = queue.run('a', () => gate.promise);
    await queue.run('b', async () => {
      log.push('b');
    });
    expect(log).toEqual(['b']);
    gate.resolve();
    await blocked;
  });

  it('goes on with a key after its earlier work failed, and reports the failure to its caller', async () => {
    const queue = createKeyedQueue();
    const failed = queue.run('a', async () => {
      throw new Error('boom');
    });
    const next = queue.run('a', async () => undefined);
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBeUndefined();
  });
});
