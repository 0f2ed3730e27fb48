// Pipelined JetStream publishing on one connection: each message carries a reply subject under one
// shared inbox, and one subscription settles the acks. This is what a JetStream publish is on the
// wire, without a request object, timer and cancellation error per message.
import { type MsgHdrs, type NatsConnection, createInbox } from '@nats-io/transport-node';

export type PubAck = { stream: string; seq: number; duplicate: boolean };

export type Publisher = {
  publish(subject: string, payload: Uint8Array, headers: MsgHdrs): Promise<PubAck>;
  /** Fails every publish still waiting for its ack (the connection dropped). */
  failPending(reason: string): void;
  close(): void;
};

export function createPublisher(nc: NatsConnection, { ackTimeoutMs = 5000 } = {}): Publisher {
  const inbox = createInbox();
  const waiting = new Map<number, { sentAt: number; resolve: (ack: PubAck) => void; reject: (e: Error) => void }>();
  let next = 0;
  const decoder = new TextDecoder();

  const settle = (id: number, outcome: PubAck | Error) => {
    const entry = waiting.get(id);
    if (!entry) return;
    waiting.delete(id);
    if (outcome instanceof Error) entry.reject(outcome);
    else entry.resolve(outcome);
  };

  const sub = nc.subscribe(`${inbox}.*`, {
    callback: (error, msg) => {
      if (error) return;
      const id = Number(msg.subject.slice(inbox.length + 1));
      // A status without a body: 503 means no stream captures the subject (no responders).
      if (msg.data.length === 0) {
        settle(id, new Error(`publish refused: ${msg.headers?.code ?? '?'} ${msg.headers?.description ?? 'no ack'}`));
        return;
      }
      const ack = JSON.parse(decoder.decode(msg.data)) as Partial<PubAck> & { error?: { code: number; description: string } };
      if (ack.error) settle(id, new Error(`publish refused: ${ack.error.code} ${ack.error.description}`));
      else settle(id, { stream: ack.stream ?? '', seq: ack.seq ?? 0, duplicate: ack.duplicate === true });
    },
  });

  // One sweep instead of a timer per message.
  const sweep = setInterval(() => {
    const tooOld = Date.now() - ackTimeoutMs;
    for (const [id, entry] of waiting) if (entry.sentAt < tooOld) settle(id, new Error(`no ack within ${ackTimeoutMs} ms`));
  }, Math.min(1000, ackTimeoutMs));
  sweep.unref();

  return {
    publish(subject, payload, headers) {
      const id = next++;
      return new Promise<PubAck>((resolve, reject) => {
        waiting.set(id, { sentAt: Date.now(), resolve, reject });
        try {
          nc.publish(subject, payload, { headers, reply: `${inbox}.${id}` });
        } catch (error) {
          settle(id, error as Error);
        }
      });
    },
    failPending(reason) {
      for (const id of [...waiting.keys()]) settle(id, new Error(reason));
    },
    close() {
      clearInterval(sweep);
      this.failPending('publisher closed');
      sub.unsubscribe();
    },
  };
}
