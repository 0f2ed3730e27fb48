// /api/v1/tickets/{id}/attachments: multipart upload streamed into the tenant's object store,
// the list, and streaming download. Metadata lives in the event store (attachment_added).
import { Readable } from 'node:stream';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type busboy from 'busboy';
import type { Context } from 'hono';
import type { Attachment } from '../../domain/ticket.js';
import { attachToTicket } from '../../domain/ticketCommands.js';
import { decodePayload } from '../../events/record.js';
import type { AttachmentBytes, StoredBytes } from '../../nats/attachmentBytes.js';
import { callerOf } from '../caller.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ApiError, bodyEndedEarly, refusalError } from '../errors.js';
import { errors, json, apiParameters } from '../openapi.js';
import { attachmentJson } from '../representation.js';
import { AttachmentBody, AttachmentList, TicketParams } from '../schemas.js';
import { visibleHistory } from '../ticketHistory.js';
import { validationHook } from '../validation.js';

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;
const AttachmentParams = TicketParams.extend({
  aid: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'aid', in: 'path' } }),
});

export function attachmentRoutes(deps: AppDeps, bytes: AttachmentBytes, maxBytes: number) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const parameters = apiParameters(deps.tenantHeader);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/tickets/{id}/attachments',
      operationId: 'addAttachment',
      summary: 'Attach a file',
      tags: ['attachments'],
      description:
        'multipart/form-data with one part named `file` (at most MAX_ATTACHMENT_MB). The body is streamed, not validated by a schema: a schema would buffer it.',
      parameters,
      request: { params: TicketParams },
      responses: { 201: json(AttachmentBody, 'the stored attachment'), ...errors(400, 401, 404, 413, 415, 503) },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { tenant, principal } = caller;
      const { id } = c.req.valid('param');
      // Refuse before reading a byte: a ticket the caller cannot see takes no upload.
      await visibleHistory(deps.store, tenant, id, principal);
      const name = deps.newId();
      const upload = await receiveFile(c, (file) => bytes.put(tenant, name, file, maxBytes), maxBytes).catch(async (error: unknown) => {
        // An upload cut short may have left chunks behind.
        await bytes.remove(tenant, name).catch(() => undefined);
        throw error;
      });
      let attachment: Attachment | undefined;
      const outcome = await deps.commands.change(caller, id, (t, ctx) => {
        attachment = {
          id: name,
          filename: upload.filename,
          contentType: upload.contentType,
          size: upload.stored.size,
          sha256: upload.stored.sha256,
          createdBy: principal.id,
          createdAt: ctx.now,
        };
        return attachToTicket(t, attachment, ctx);
      });
      if ('ok' in outcome || !attachment) {
        await bytes.remove(tenant, name).catch(() => undefined);
        throw 'ok' in outcome ? refusalError(outcome) : new Error('a committed attachment decision carried no attachment');
      }
      c.header('Location', `/api/v1/tickets/${id}/attachments/${name}`);
      return c.json(attachmentJson(attachment), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/tickets/{id}/attachments',
      operationId: 'listAttachments',
      summary: 'List attachments',
      tags: ['attachments'],
      parameters,
      request: { params: TicketParams },
      responses: { 200: json(AttachmentList, 'the attachments, oldest first'), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const events = await visibleHistory(deps.store, c.get('tenant'), c.req.valid('param').id, c.get('principal'));
      return c.json({ items: attachmentsOf(events).map(attachmentJson) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/tickets/{id}/attachments/{aid}',
      operationId: 'downloadAttachment',
      summary: 'Download an attachment',
      tags: ['attachments'],
      parameters,
      request: { params: AttachmentParams },
      responses: { 200: { description: 'the bytes, with the stored content type, as a download' }, ...errors(400, 401, 404, 503) },
    }),
    async (c) => {
      const { id, aid } = c.req.valid('param');
      const events = await visibleHistory(deps.store, c.get('tenant'), id, c.get('principal'));
      const attachment = attachmentsOf(events).find((a) => a.id === aid);
      const stored = attachment && (await bytes.get(c.get('tenant'), aid));
      if (!attachment || !stored) throw new ApiError(404, 'not_found', 'attachment not found');
      return c.body(stored.data, 200, {
        'Content-Type': attachment.contentType,
        'Content-Length': String(stored.size),
        'Content-Disposition': contentDisposition(attachment.filename),
        'X-Content-Type-Options': 'nosniff',
        ETag: `"${attachment.sha256}"`,
      });
    },
  );
  return app;
}

function attachmentsOf(events: Array<{ action: string; payload: Uint8Array }>): Attachment[] {
  return events.flatMap((e) => (e.action === 'attachment_added' ? [decodePayload(e.payload).attachment].filter((a): a is Attachment => !!a) : []));
}

/** `attachment`, with an ASCII fallback name and the exact UTF-8 name (RFC 6266). */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

type Received = { filename: string; contentType: string; stored: Extract<StoredBytes, { size: number }> };

// Room for the multipart framing and small fields around a file of the largest allowed size.
const FRAMING_BYTES = 1024 * 1024;

/**
 * Reads the one `file` part of a multipart body, handing its stream to `store` as it arrives. A file
 * past the limit, a malformed or truncated body and a client that goes away each end the upload at
 * once with their own error; what was not read yet stays unread (the answer closes the connection).
 */
async function receiveFile(c: Context<AppEnv>, store: (file: Readable) => Promise<StoredBytes>, maxBytes: number): Promise<Received> {
  const type = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'upload a file as multipart/form-data', { 'Content-Type': 'multipart/form-data with a file part' });
  }
  const tooLarge = () => new ApiError(413, 'payload_too_large', `the file is over ${maxBytes} bytes`, { file: `at most ${maxBytes} bytes` });
  if (Number(c.req.header('content-length') ?? 0) > maxBytes + FRAMING_BYTES) throw tooLarge();
  const request = c.req.raw;
  // The web stream is pulled only as the parser reads: bytes the upload refuses stay unread.
  const incoming = request.body ? Readable.fromWeb(request.body) : Readable.from([]);
  // The multipart parser is loaded on the first upload: most processes never take one.
  const { default: parse } = await import('busboy');
  return new Promise<Received>((resolve, reject) => {
    // Gone while the request waited for its turn (the ticket check, loading the parser): its stream
    // would read as ended, not failed, so the request's signal says it.
    if (request.signal.aborted) return reject(bodyEndedEarly());
    let parser: busboy.Busboy;
    try {
      parser = parse({ headers: { 'content-type': type }, defParamCharset: 'utf8', limits: { files: 1, fields: 10, parts: 20, fieldSize: 64 * 1024 } });
    } catch {
      reject(new ApiError(400, 'invalid_multipart', 'the multipart body has no usable boundary', { 'Content-Type': 'needs a boundary' }));
      return;
    }
    const malformed = () => new ApiError(400, 'invalid_multipart', 'the multipart body is malformed or ends early', { body: 'malformed multipart/form-data' });
    let settled = false;
    let upload: Readable | undefined;
    let uploadFailed = false;
    let received: Received | undefined;
    let parsed = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      incoming.unpipe(parser);
      incoming.pause();
      upload?.destroy();
      parser.destroy();
      reject(error);
    };
    const finish = () => {
      if (settled || !received || !parsed) return;
      settled = true;
      resolve(received);
    };

    parser.on('file', (field, file, info) => {
      // busboy reports a body that ends mid-file on the file's stream as well as on the parser.
      file.on('error', () => (uploadFailed = true));
      if (field !== 'file' || upload) {
        file.resume();
        return;
      }
      upload = file;
      const filename = cleanFilename(info.filename);
      const contentType = MEDIA_TYPE.test(info.mimeType) ? info.mimeType.toLowerCase() : 'application/octet-stream';
      store(file).then(
        (stored) => {
          if ('tooLarge' in stored) return fail(tooLarge());
          received = { filename, contentType, stored };
          finish();
        },
        (error: unknown) => fail(uploadFailed ? malformed() : error),
      );
    });
    parser.on('error', () => fail(malformed()));
    parser.once('close', () => {
      parsed = true;
      if (!upload) fail(new ApiError(400, 'validation_failed', 'the upload has no file part', { file: 'required: a part named file' }));
      else finish();
    });
    // The whole body counts, not the file part alone: other parts, a preamble, a body with no boundary.
    let bodyBytes = 0;
    incoming.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes > maxBytes + FRAMING_BYTES) fail(tooLarge());
    });
    incoming.on('error', () => undefined);
    incoming.once('close', () => {
      if (!incoming.readableEnded) fail(bodyEndedEarly());
    });
    request.signal.addEventListener('abort', () => fail(bodyEndedEarly()), { once: true });
    incoming.pipe(parser);
  });
}

function cleanFilename(name: string | undefined): string {
  // Browsers (and fetch's FormData) escape these three in a part's filename (WHATWG HTML).
  const unescaped = (name ?? '').replace(/%22/g, '"').replace(/%0[ad]/gi, '');
  const base = unescaped.split(/[\\/]/).pop() ?? '';
  // 255 code points: a cut by UTF-16 units could split a character in two.
  const clean = Array.from(base.replace(/\p{Cc}/gu, '').trim())
    .slice(0, 255)
    .join('');
  return clean === '' || clean === '.' || clean === '..' ? 'attachment' : clean;
}
