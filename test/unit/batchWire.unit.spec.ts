// Batches cross to the SQLite writer thread as flat arrays: what arrives is what was sent.
import { describe, expect, it } from 'vitest';
import { createBatchDecoder, createBatchEncoder } from '../../src/store/sqlite/batchWire.js';
import type { Write } from '../../src/store/sqlite/writeBatch.js';

const create: Write = {
  steps: [
    { sql: 'SELECT 1 FROM idempotency_keys WHERE tenant = ? AND key = ?', params: ['acme', 'k1'], expect: 'none', refuse: 'claimed' },
    { sql: 'INSERT INTO tickets (tenant, id, title, tags, version) VALUES (?, ?, ?, ?, ?)', params: ['acme', 't1', 'Printer ü', '[]', 1] },
    { sql: 'INSERT INTO events (tenant, payload, published_at) VALUES (?, ?, ?)', params: ['acme', new Uint8Array([1, 2, 3]), null], seq: true },
  ],
};
const update: Write = {
  steps: [
    {
      sql: 'UPDATE tickets SET title = ? WHERE tenant = ? AND id = ? AND version = ?',
      params: ['new', 'acme', 't1', 1],
      expect: 'changed',
      refuse: 'conflict',
    },
    { sql: 'SELECT version FROM tickets WHERE id = ?', params: [], expect: 'row' },
  ],
};

describe('the writer thread wire', () => {
  it('hands the thread the same writes, steps, guards and values, after a structured clone', () => {
    const [encoder, decoder] = [createBatchEncoder(), createBatchDecoder()];
    expect(decoder.decode(structuredClone(encoder.encode([create, update, create])))).toEqual([create, update, create]);
  });

  it('sends each statement text once, then its number', () => {
    const [encoder, decoder] = [createBatchEncoder(), createBatchDecoder()];
    const first = encoder.encode([create]);
    expect(first.texts).toEqual(create.steps.map((s) => s.sql));
    const second = encoder.encode([update, create]);
    expect(second.texts).toEqual(update.steps.map((s) => s.sql));
    decoder.decode(first);
    expect(decoder.decode(second)).toEqual([update, create]);
  });

  it('sends every text again after a reset (a new thread)', () => {
    const encoder = createBatchEncoder();
    encoder.encode([create]);
    encoder.reset();
    const again = encoder.encode([create]);
    expect(again.texts).toHaveLength(3);
    expect(createBatchDecoder().decode(again)).toEqual([create]);
  });
});
