// Creates TICKET_EVENTS or brings an existing one in line with the configured contract.
import { type JetStreamManager, JetStreamApiError, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { STREAM_SUBJECTS } from './subjects.js';

export type StreamSettings = { name: string; replicas: number; maxAgeMs: number; duplicateWindowMs: number };

const STREAM_NOT_FOUND = 10059;
/** JetStream takes durations in nanoseconds. */
export const nanos = (ms: number) => ms * 1_000_000;

/** Returns what it did, so start-up can log it. */
export async function ensureStream(jsm: JetStreamManager, s: StreamSettings): Promise<'created' | 'updated' | 'unchanged'> {
  let existing: StreamConfig;
  try {
    existing = (await jsm.streams.info(s.name)).config;
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.code !== STREAM_NOT_FOUND) throw error;
    await jsm.streams.add({
      name: s.name,
      subjects: [...STREAM_SUBJECTS],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: s.replicas,
      max_age: nanos(s.maxAgeMs),
      duplicate_window: nanos(s.duplicateWindowMs),
    });
    return 'created';
  }
  const subjects = [...new Set([...(existing.subjects ?? []), ...STREAM_SUBJECTS])];
  const drift =
    subjects.length !== (existing.subjects ?? []).length ||
    existing.num_replicas !== s.replicas ||
    existing.max_age !== nanos(s.maxAgeMs) ||
    existing.duplicate_window !== nanos(s.duplicateWindowMs);
  if (!drift) return 'unchanged';
  await jsm.streams.update(s.name, {
    ...existing,
    subjects,
    num_replicas: s.replicas,
    max_age: nanos(s.maxAgeMs),
    duplicate_window: nanos(s.duplicateWindowMs),
  });
  return 'updated';
}
