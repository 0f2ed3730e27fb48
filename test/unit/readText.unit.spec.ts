// Reading a JSON body from Node's request: UTF-8 or a refusal, the limit while reading, and a
// client gone before or during the read settling the read at once.
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readText } from '../../src/http/readBody.js';

const request = () => new PassThrough() as unknown as IncomingMessage & PassThrough;

describe('reading a request body', () => {
  it('gives the body as it was sent', async () => {
    const req = request();
    const read = readText(req, 1024);
    req.end(Buffer.from('{"title":"café ☕"}'));
    await expect(read).resolves.toBe('{"title":"café ☕"}');
  });

  it('refuses bytes that are not UTF-8 as invalid_text', async () => {
    const req = request();
    const read = readText(req, 1024);
    req.end(Buffer.from([0x7b, 0xe9, 0x7d]));
    await expect(read).rejects.toMatchObject({ status: 400, code: 'invalid_text' });
  });

  it('stops at the limit without reading the rest', async () => {
    const req = request();
    const read = readText(req, 8);
    req.write(Buffer.alloc(16, 'a'));
    await expect(read).resolves.toBeUndefined();
  });

  it('settles as incomplete_body when the client goes away mid-body', async () => {
    const req = request();
    const read = readText(req, 1024);
    req.write('{"ti');
    req.destroy();
    await expect(read).rejects.toMatchObject({ status: 400, code: 'incomplete_body' });
  });

  it('settles at once when the client was gone before the read began', async () => {
    const req = request();
    req.destroy();
    await expect(readText(req, 1024)).rejects.toMatchObject({ status: 400, code: 'incomplete_body' });
  });
});
