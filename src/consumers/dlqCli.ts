// `ticket-svc dlq list [consumer]` prints one JSON line per dead letter; `ticket-svc dlq replay
// <consumer>` sends that consumer's dead letters back to it and prints what it sent.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Config } from '../config.js';
import { authenticatorFor } from '../nats/link.js';
import { listDeadLetters, replayDeadLetters } from './dlqCommands.js';

const CONSUMER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const DLQ_USAGE = 'usage: ticket-svc dlq list [consumer] | ticket-svc dlq replay <consumer>';

export type Output = { out(line: string): void; err(line: string): void };

/** Returns the exit code: 0 done, 1 failed, 2 bad usage. */
export async function runDlqCommand(args: readonly string[], config: Config, io: Output): Promise<number> {
  const [verb, consumer, ...rest] = args;
  const valid = rest.length === 0 && (consumer === undefined || CONSUMER_NAME.test(consumer));
  if (!valid || (verb !== 'list' && verb !== 'replay') || (verb === 'replay' && consumer === undefined)) {
    io.err(DLQ_USAGE);
    return 2;
  }
  const authenticator = authenticatorFor(config.nats);
  const nc = await connect({
    servers: config.nats.servers,
    name: `${config.serviceName}-cli`,
    timeout: 5000,
    noAsyncTraces: true,
    ...(authenticator ? { authenticator } : {}),
  });
  try {
    const js = jetstream(nc, { timeout: 10_000 });
    const jsm = await jetstreamManager(nc);
    const stream = config.consumers.dlqStream;
    const letters = verb === 'list' ? await listDeadLetters(js, jsm, stream, consumer) : await replayDeadLetters(js, jsm, stream, consumer!);
    for (const letter of letters) io.out(JSON.stringify(letter));
    io.err(verb === 'list' ? `${letters.length} dead letter(s) in ${stream}` : `${letters.length} dead letter(s) sent back to ${consumer}`);
    return 0;
  } finally {
    await nc.drain().catch(() => nc.close());
  }
}
