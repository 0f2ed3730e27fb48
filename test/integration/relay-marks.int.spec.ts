// The relay marks a round while the next one publishes: a commit's events do not wait for the mark
// of the round before, no event goes out twice, and a mark that fails makes the next round
// reconcile with the stream instead of publishing again. A real store and a real nats-server; the
// store's mark is held back (or refused) at the test's word.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createTicket } from '../../src/domain/ticketCommands.js';
import { startRelay } from '../../src/events/relay.js';
import { createMetrics } from '../../src/metrics.js';
import { startNatsLink } from '../../src/nats/link.js';
import { openStore } from '../../src/store/open.js';
import { StoreUnavailableError, type TicketStore } from '../../src/store/port.js';
import { viaCommands } from '../support/commands.js';
import { type TestNats, startTestNats } from '../support/nats.js';
import { tempDataDir } from '../support/service.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { readStream, waitFor } from '../support/stream.js';

const STREAM = 'RELAY_MARKS';
const log = pino({ level: 'silent' });

/** The store with its marks held at a gate: each mark waits for `release`, or fails with `refuse`. */
function gatedMarks(store: TicketStore) {
  const calls: number[][] = [];
  let open: (() => void) | undefined;
  let shut: ((error: Error) => void) | undefined;
  let gate: Promise<void> | undefined = new Promise<void>((resolve, reject) => {
    open = resolve;
    shut = reject;
  });
  const markPublished: TicketStore['markPublished'] = async (seqs, at) => {
    calls.push([...seqs]);
    await gate;
    return store.markPublished(seqs, at);
  };
  const gated = new Proxy(store, { get: (target, key) => (key === 'markPublished' ? markPublished : Reflect.get(target, key)) });
  return {
    store: gated,
    calls,
    release() {
      gate = undefined;
      open?.();
    },
    refuse() {
      const held = gate;
      gate = undefined;
      held?.catch(() => undefined);
      shut?.(new StoreUnavailableError(new Error('the disk went away')));
    },
  };
}

describe.runIf(process.env.NATS_URL === undefined).each(await storeFlavours())('relay marks on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let nats: TestNats;
  let testStore: TestStore;
  let store: TicketStore;
  let startRelayWith: (s: TicketStore) => void;
  let metrics: ReturnType<typeof createMetrics>;
  const counted = async (counter: 'eventsPublished' | 'eventsReconciled') => (await metrics[counter].get()).values.reduce((sum, v) => sum + v.value, 0);
  const stops: Array<() => Promise<void>> = [];
  const gates: Array<ReturnType<typeof gatedMarks>> = [];
  const gatedStore = () => {
    const gate = gatedMarks(store);
    gates.push(gate);
    return gate;
  };
  beforeEach(async () => {
    nats = await startTestNats();
    testStore = await flavour.fresh();
    // A short duplicate window: an event published again shows in the stream, not dropped by its id.
    const config = loadConfig({
      ...testStore.env,
      DATA_DIR: tempDataDir(),
      NATS_URL: nats.url,
      STREAM_NAME: STREAM,
      STREAM_DUPLICATE_WINDOW: '100ms',
      LOG_LEVEL: 'silent',
    });
    store = await openStore(config, log);
    const link = startNatsLink({ servers: config.nats.servers, credsFile: undefined, nkeySeed: undefined, name: 'relay-marks', stream: config.stream }, log);
    stops.push(
      () => store.close(),
      () => link.stop(),
    );
    startRelayWith = (s) => {
      metrics = createMetrics('relay-marks');
      const relay = startRelay(s, link, config.relay, log, metrics);
      stops.unshift(() => relay.stop(5000));
    };
  });
  afterEach(async () => {
    // A gate a failed test left shut would hold the relay's stop.
    for (const gate of gates.splice(0)) gate.release();
    for (const stop of stops.splice(0)) await stop();
    await testStore?.dispose();
    await nats?.stop();
  });
  const create = (title: string) =>
    viaCommands(store).handler.create({ tenant: 'acme', principal: { id: 'test', roles: ['admin'] }, correlationId: title }, (ctx) =>
      createTicket({ title, createdBy: 'test' }, ctx),
    );
  const idsOf = (events: Awaited<ReturnType<typeof store.pending>>) => events.map((e) => e.eventId);
  const countsInStream = async () => {
    const counts = new Map<string, number>();
    for (const m of await readStream(nats.url, STREAM)) counts.set(m.headers['Nats-Msg-Id']!, (counts.get(m.headers['Nats-Msg-Id']!) ?? 0) + 1);
    return counts;
  };

  /** A ticket whose round is published and its mark held at the gate, then a second ticket committed and published meanwhile. */
  const secondPublishedWhileFirstMarks = async () => {
    const gate = gatedStore();
    await create('first');
    const first = idsOf(await store.pending(100));
    startRelayWith(gate.store);
    await waitFor(async () => gate.calls.length === 1, 'the first round to be marked');
    await create('second');
    const second = idsOf(await store.pending(100)).filter((id) => !first.includes(id));
    expect(second.length).toBeGreaterThan(0);
    await waitFor(async () => (await countsInStream()).has(second.at(-1)!), "the second commit's events in the stream");
    return { gate, all: [...first, ...second] };
  };
  const expectEachOnceInStream = async (ids: string[]) => {
    const counts = await countsInStream();
    for (const id of ids) expect(counts.get(id), `event ${id} once in the stream`).toBe(1);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(ids.length);
  };

  it("publishes the next commit's events while the round before is still being marked, each once", async () => {
    const { gate, all } = await secondPublishedWhileFirstMarks();
    // The first mark still holds: the second round's mark waits for it.
    expect(gate.calls).toHaveLength(1);

    gate.release();
    await waitFor(async () => (await store.pending(100)).length === 0, 'every event marked');
    await expectEachOnceInStream(all);
    expect(gate.calls.flat()).toHaveLength(all.length);
    expect(await counted('eventsPublished')).toBe(all.length);
    expect(await counted('eventsReconciled')).toBe(0);
  }, 30_000);

  it('after a mark that failed, reconciles with the stream and publishes nothing again', async () => {
    const { gate, all } = await secondPublishedWhileFirstMarks();
    gate.refuse();
    await waitFor(async () => (await store.pending(100)).length === 0, 'every event marked after reconciling');
    await expectEachOnceInStream(all);
    // Every event went out once, and was found in the stream when the relay reconciled.
    expect(await counted('eventsPublished')).toBe(all.length);
    expect(await counted('eventsReconciled')).toBe(all.length);
  }, 30_000);
});
