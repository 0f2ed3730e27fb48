// Attachment bytes in the JetStream object store, one bucket per tenant. Bytes stream through:
// nothing holds a whole file in memory, and the size limit is enforced while streaming.
import { createHash } from 'node:crypto';
import { type Readable, Transform, pipeline } from 'node:stream';
import type { ObjectStore } from '@nats-io/obj';
import type { NatsLink } from './link.js';

/** NATS is not connected: attachments cannot be stored or read right now. */
export class AttachmentsUnavailableError extends Error {}

export type StoredBytes = { size: number; sha256: string } | { tooLarge: true };

export type AttachmentBytes = {
  /** Streams `source` into the tenant's bucket as `name`; over `limitBytes` nothing is kept. */
  put(tenant: string, name: string, source: Readable, limitBytes: number): Promise<StoredBytes>;
  get(tenant: string, name: string): Promise<{ data: ReadableStream<Uint8Array>; size: number } | undefined>;
  remove(tenant: string, name: string): Promise<void>;
};

/**
 * A web stream that reads the Node stream only as fast as the object store takes chunks.
 * (Node 20's Readable.toWeb reads ahead without bound: a fast upload would pile up in memory.)
 */
function pulled(source: Readable): ReadableStream<Uint8Array> {
  const chunks = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { value, done } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(value as Uint8Array);
      },
      async cancel() {
        await chunks.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

export const bucketName = (tenant: string) => `attachments_${tenant}`;

export function createAttachmentBytes(link: NatsLink, { replicas = 1 } = {}): AttachmentBytes {
  const buckets = new Map<string, Promise<ObjectStore>>();
  const bucket = (tenant: string): Promise<ObjectStore> => {
    const handles = link.current();
    if (!handles) throw new AttachmentsUnavailableError('NATS is not connected');
    let opened = buckets.get(tenant);
    if (!opened) {
      // The object store client is loaded on the first attachment: most processes never need it.
      // A CommonJS package: its exports come from `default`, the shape both Node and the bundle give.
      opened = import('@nats-io/obj').then(({ default: obj }) => new obj.Objm(handles.js).create(bucketName(tenant), { replicas }));
      opened.catch(() => buckets.delete(tenant));
      buckets.set(tenant, opened);
    }
    return opened;
  };

  return {
    async put(tenant, name, source, limitBytes) {
      const store = await bucket(tenant);
      const hash = createHash('sha256');
      let size = 0;
      let tooLarge = false;
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          size += chunk.length;
          if (size > limitBytes) {
            tooLarge = true;
            // Stop here: the rest of the upload is never read.
            done(new Error('attachment over the size limit'));
            return;
          }
          hash.update(chunk);
          done(null, chunk);
        },
      });
      // A source that fails (a body cut short) fails `counted`, and with it the put.
      pipeline(source, counted, () => undefined);
      try {
        await store.put({ name }, pulled(counted));
      } catch (error) {
        if (!tooLarge) throw error;
      }
      if (tooLarge) {
        await store.delete(name).catch(() => undefined);
        return { tooLarge: true };
      }
      return { size, sha256: hash.digest('hex') };
    },

    async get(tenant, name) {
      const result = await (await bucket(tenant)).get(name);
      return result ? { data: result.data, size: result.info.size } : undefined;
    },

    async remove(tenant, name) {
      await (await bucket(tenant)).delete(name);
    },
  };
}
