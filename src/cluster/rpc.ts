// Requests and answers between the primary and a worker over Node's IPC channel (cluster's
// `worker.send` / `process.send`), so either side can ask the other and await the answer.

/** The IPC channel of one side: a worker as the primary sees it, or `process` in a worker. */
export type Channel = {
  send(message: unknown): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
};

/** What one side answers: each method takes one structured-cloneable value and returns another. */
// biome-ignore lint/suspicious/noExplicitAny: a method table of any shape; callers name their own
export type Methods = Record<string, (payload: any) => unknown>;

/** An error thrown on the other side, with its name and code, for the caller to tell apart. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly remoteName: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** The other side went away (exited, or its channel closed) before answering. */
export class ChannelClosedError extends Error {}

/** The other side did not answer in time (a stuck event loop). */
export class NoAnswerError extends Error {}

type Call = { rpc: 'call'; id: number; method: string; payload: unknown };
type Answer = { rpc: 'answer'; id: number; value?: unknown; error?: { message: string; name: string; code?: string } };

export type Rpc<Remote extends Methods> = {
  /** `timeoutMs`: fails with NoAnswerError (and forgets the call) when no answer came by then. */
  call<K extends keyof Remote & string>(method: K, payload: Parameters<Remote[K]>[0], timeoutMs?: number): Promise<Awaited<ReturnType<Remote[K]>>>;
  /** Fails every call still waiting (the other side is gone). */
  close(): void;
};

export function createRpc<Remote extends Methods>(channel: Channel, local: Methods): Rpc<Remote> {
  let next = 0;
  let closed = false;
  const waiting = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();

  const answer = (message: Answer) => {
    try {
      channel.send(message);
    } catch {
      // The channel closed while the call ran: nobody is left to answer. (A closed child channel
      // reports this as an `error` event instead; its owner listens for that.)
    }
  };

  channel.on('message', (message) => {
    if (typeof message !== 'object' || message === null || !('rpc' in message)) return;
    const m = message as Call | Answer;
    if (m.rpc === 'answer') {
      const entry = waiting.get(m.id);
      if (!entry) return;
      waiting.delete(m.id);
      if (m.error) entry.reject(new RemoteError(m.error.message, m.error.name, m.error.code));
      else entry.resolve(m.value as never);
      return;
    }
    const handler = local[m.method];
    if (!handler) {
      answer({ rpc: 'answer', id: m.id, error: { message: `no method ${m.method}`, name: 'Error' } });
      return;
    }
    Promise.resolve()
      .then(() => handler(m.payload))
      .then(
        (value) => answer({ rpc: 'answer', id: m.id, value }),
        (error: unknown) => {
          const e = error instanceof Error ? error : new Error(String(error));
          const code = (e as { code?: unknown }).code;
          answer({ rpc: 'answer', id: m.id, error: { message: e.message, name: e.name, ...(typeof code === 'string' ? { code } : {}) } });
        },
      );
  });

  return {
    call(method, payload, timeoutMs) {
      if (closed) return Promise.reject(new ChannelClosedError(`the channel is closed (${method})`));
      const id = ++next;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        if (timeoutMs !== undefined) {
          setTimeout(() => {
            if (!waiting.delete(id)) return;
            reject(new NoAnswerError(`no answer to ${method} within ${timeoutMs} ms`));
          }, timeoutMs).unref();
        }
        try {
          channel.send({ rpc: 'call', id, method, payload } satisfies Call);
        } catch (error) {
          waiting.delete(id);
          reject(new ChannelClosedError(`the channel is closed (${method}): ${(error as Error).message}`));
        }
      });
    },
    close() {
      closed = true;
      const error = new ChannelClosedError('the other side went away');
      for (const entry of waiting.values()) entry.reject(error);
      waiting.clear();
    },
  };
}
