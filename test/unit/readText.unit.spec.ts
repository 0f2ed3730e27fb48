// Reading a JSON body from the web Request: UTF-8 or a refusal, the limit while reading, and a
// client gone before or during the read settling the read at once.
import { describe, expect, it } from 'vitest';
import { readText } from '../../src/http/middleware/jsonBody.js';

/** A POST whose body arrives as the test pushes it, with a signal the test may abort. */
function request(headers: Record<string, string> = {}) {
  let source!: ReadableStreamDefaultController<Uint8Array>;
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({ start: (controller) => void (source = controller), pull: () => void pulls++ }, { highWaterMark: 0 });
  const gone = new AbortController();
  const req = new Request('http://test/api/v1/tickets', { method: 'POST', body, duplex: 'half', headers, signal: gone.signal } as RequestInit);
  return { req, source, gone, pulls: () => pulls };
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('reading a request body', () => {
  it('gives the body as it was sent, a character split across chunks included', async () => {
    const { req, source } = request();
    const read = readText(req, 1024);
    const sent = bytes('{"title":"café ☕"}');
    source.enqueue(sent.subarray(0, 14));
    source.enqueue(sent.subarray(14));
    source.close();
    await expect(read).resolves.toBe('{"title":"café ☕"}');
  });

  it('gives an empty body as empty text', async () => {
    const { req, source } = request();
    source.close();
    await expect(readText(req, 1024)).resolves.toBe('');
  });

  it('refuses bytes that are not UTF-8 as invalid_text', async () => {
    const { req, source } = request();
    const read = readText(req, 1024);
    source.enqueue(new Uint8Array([0x7b, 0xe9, 0x7d]));
    source.close();
    await expect(read).rejects.toMatchObject({ status: 400, code: 'invalid_text', fields: { body: expect.any(String) } });
  });

  it('stops at the limit without reading the rest', async () => {
    const { req, source, pulls } = request();
    const read = readText(req, 8);
    source.enqueue(new Uint8Array(16));
    await expect(read).resolves.toBeUndefined();
    const pulled = pulls();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pulls()).toBe(pulled);
  });

  it('settles as incomplete_body when the client goes away mid-body', async () => {
    const { req, source } = request();
    const read = readText(req, 1024);
    source.enqueue(bytes('{"ti'));
    source.error(new Error('aborted'));
    await expect(read).rejects.toMatchObject({ status: 400, code: 'incomplete_body' });
  });

  it('settles as incomplete_body when the client was gone before the read began', async () => {
    const { req, source, gone } = request();
    gone.abort();
    source.close();
    await expect(readText(req, 1024)).rejects.toMatchObject({ status: 400, code: 'incomplete_body' });
  });

  it('settles as incomplete_body when the body ends short of its Content-Length', async () => {
    const { req, source } = request({ 'content-length': '100' });
    source.enqueue(bytes('{"ti'));
    source.close();
    await expect(readText(req, 1024)).rejects.toMatchObject({ status: 400, code: 'incomplete_body' });
  });
});
