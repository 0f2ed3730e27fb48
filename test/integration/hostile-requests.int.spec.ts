// SPEC §11: no request ends the process, and limits hold while reading. Every route of the OpenAPI
// document, and the WebSocket, takes each hostile request a client can send to the real program;
// after each the program answers /health and takes a create, and its log holds no failure that
// nobody owned. Both identity modes: a token checked before the body is read changes the path.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type RawAnswer, rawRequest } from '../support/rawHttp.js';
import { type ServiceProcess, spawnService } from '../support/service.js';

const TENANT = 'acme';
const BODY_LIMIT = 64 * 1024;
const ATTACHMENT_LIMIT = 1024 * 1024;
// Loopback socket buffers hold a few MB that count as sent before the server could answer.
const IN_FLIGHT_SLACK = 48 * 1024 * 1024;

type Operation = { method: string; path: string };

const SECRET = 'hostile-requests-secret-of-32-chars!';
const MODES: Array<{ mode: string; env: Record<string, string>; authorization: () => Promise<Record<string, string>> }> = [
  { mode: 'header', env: {}, authorization: async () => ({}) },
  {
    mode: 'jwt',
    env: { AUTH_MODE: 'jwt', JWT_SECRET: SECRET },
    authorization: async () => ({
      Authorization: `Bearer ${await new SignJWT({ tenant: TENANT, roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('probe').setExpirationTime('1h').sign(new TextEncoder().encode(SECRET))}`,
    }),
  },
];

describe.each(MODES)('with $mode identity', ({ env, authorization }) => {
  let nats: TestNats;
  let svc: ServiceProcess;
  let port: number;
  let ticketId: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    nats = await startTestNats();
    auth = await authorization();
    svc = await spawnService({
      ...env,
      NATS_URL: nats.url,
      REQUEST_TIMEOUT_MS: '1000',
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      MAX_ATTACHMENT_MB: '1',
      LOG_LEVEL: 'warn',
    });
    port = Number(new URL(svc.url).port);
    ticketId = await createTicket();
  });

  afterAll(async () => {
    await svc?.stop();
    await nats?.stop();
  });

  async function createTicket(): Promise<string> {
    const res = await svc.call('/api/v1/tickets', { method: 'POST', json: { title: 'still serving', created_by: 'probe' }, headers: auth });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  async function expectStillServing(): Promise<void> {
    expect(svc.child.exitCode).toBeNull();
    expect((await fetch(`${svc.url}/health`)).status).toBe(200);
    await createTicket();
  }

  /** A JSON error when the program answered with one; closing without an answer is also allowed. */
  function expectJsonErrorOrClose(answer: RawAnswer): void {
    if (answer.status === undefined || answer.status < 400) return;
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toMatchObject({ code: expect.any(String) });
  }

  /** Every operation of the OpenAPI document, each on a ticket of its own (a DELETE takes its ticket with it). */
  async function operations(): Promise<Operation[]> {
    const doc = (await (await fetch(`${svc.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const ops: Operation[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        const params: Record<string, string> = { id: await createTicket(), aid: 'no-such-attachment', name: 'assign' };
        ops.push({ method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? 'x') });
      }
    }
    return ops;
  }

  const head = (op: Operation, headers: string) =>
    `${op.method} ${op.path} HTTP/1.1\r\nHost: test\r\nX-Tenant-ID: ${TENANT}\r\n${Object.entries(auth)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}${headers}\r\n`;
  const MULTIPART_CUT = '--XX\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello';

  const attacks: Array<{ name: string; send(op: Operation): Promise<RawAnswer> }> = [
    {
      name: 'an aborted body',
      send: (op) => rawRequest(port, head(op, 'Content-Type: application/json\r\nContent-Length: 100\r\n'), { body: '{"ti', afterBody: 'destroy' }),
    },
    {
      name: 'a truncated body',
      send: (op) =>
        rawRequest(port, head(op, 'Content-Type: application/json\r\nContent-Length: 100\r\n'), { body: '{"ti', afterBody: 'end', timeoutMs: 10_000 }),
    },
    {
      name: 'a truncated multipart body',
      send: (op) =>
        rawRequest(port, head(op, `Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: ${MULTIPART_CUT.length}\r\nConnection: close\r\n`), {
          body: MULTIPART_CUT,
          timeoutMs: 10_000,
        }),
    },
    {
      name: 'an aborted multipart body',
      send: (op) =>
        rawRequest(port, head(op, 'Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: 100000\r\n'), {
          body: MULTIPART_CUT,
          afterBody: 'destroy',
        }),
    },
    {
      name: 'a header block over the limit',
      send: (op) => rawRequest(port, head(op, `X-Padding: ${'a'.repeat(64 * 1024)}\r\n`), { timeoutMs: 10_000 }),
    },
  ];

  describe('no request ends the process', () => {
    it('survives every hostile request on every route of the OpenAPI document', async () => {
      const ops = await operations();
      expect(ops.length).toBeGreaterThan(20);
      for (const op of ops) {
        for (const attack of attacks) {
          const answer = await attack.send(op);
          expectJsonErrorOrClose(answer);
          if (attack.name === 'a header block over the limit') expect(answer.status, `${op.method} ${op.path}`).toBe(431);
          await expectStillServing();
        }
      }
    }, 300_000);

    it('answers or closes a body that never ends, on every route at once, once the request timeout passes', async () => {
      const ops = await operations();
      const answers = await Promise.all(
        ops.map((op) =>
          rawRequest(port, head(op, 'Content-Type: application/json\r\nContent-Length: 60000\r\n'), {
            body: '{"title":',
            afterBody: 'hold',
            timeoutMs: 60_000,
            untilReleased: true,
          }),
        ),
      );
      for (const answer of answers) {
        // Let go by the program (the 60 s give-up is far past its 1 s request timeout).
        expect(answer.closedByServer).toBe(true);
        expectJsonErrorOrClose(answer);
      }
      expect(answers.filter((a) => a.status === 408).length).toBeGreaterThan(0);
      await expectStillServing();
    }, 120_000);

    it('refuses malformed WebSocket handshakes with a JSON error and survives aborted ones', async () => {
      const ws = { method: 'GET', path: '/api/v1/alerts/ws' };
      const upgrade = (key: string) => `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n`;
      const badKey = await rawRequest(port, head(ws, upgrade('not-a-key')), { timeoutMs: 30_000, untilReleased: true });
      expect(badKey.status).toBe(400);
      expect(badKey.closedByServer).toBe(true);
      expect(JSON.parse(badKey.body)).toMatchObject({ code: 'invalid_handshake', fields: { 'Sec-WebSocket-Key': expect.any(String) } });
      const badTarget = await rawRequest(port, head({ method: 'GET', path: 'http://[' }, upgrade('dGhlIHNhbXBsZSBub25jZQ==')), {
        timeoutMs: 30_000,
        untilReleased: true,
      });
      expect(badTarget.status).toBe(400);
      expect(badTarget.closedByServer).toBe(true);
      const badVersion = await rawRequest(port, head(ws, upgrade('dGhlIHNhbXBsZSBub25jZQ==').replace('Version: 13', 'Version: 99')), { timeoutMs: 10_000 });
      expect(badVersion.status).toBe(400);
      await rawRequest(port, `GET ${ws.path} HTTP/1.1\r\nHost: test\r\nX-Tenant-ID: ${TENANT}\r\nUpgrade: webso`, { afterBody: 'destroy' });
      await rawRequest(port, head(ws, upgrade('dGhlIHNhbXBsZSBub25jZQ==')), { afterBody: 'destroy' });
      const oversized = await rawRequest(port, head(ws, `${upgrade('dGhlIHNhbXBsZSBub25jZQ==')}X-Padding: ${'a'.repeat(64 * 1024)}\r\n`), {
        timeoutMs: 10_000,
      });
      expect(oversized.status).toBe(431);
      await expectStillServing();
    });

    it('logged no failure that nobody owned', () => {
      expect(svc.output()).not.toMatch(/unhandled_rejection|uncaught_exception/);
    });
  });

  describe('limits hold while reading', () => {
    const endless = { chunk: Buffer.alloc(64 * 1024, 'a'), cap: 512 * 1024 * 1024 };
    /** A chunked multipart upload whose part, opened by `partHead`, never ends. */
    const endlessUpload = (partHead: string) =>
      rawRequest(
        port,
        `${head(
          { method: 'POST', path: `/api/v1/tickets/${ticketId}/attachments` },
          'Content-Type: multipart/form-data; boundary=XX\r\nTransfer-Encoding: chunked\r\n',
        )}${partHead.length.toString(16)}\r\n${partHead}\r\n`,
        { body: endless },
      );

    it('answers a JSON body past the limit with 413 as soon as it passes, on the create route and on others', async () => {
      for (const path of ['/api/v1/tickets', `/api/v1/tickets/${ticketId}/comments`]) {
        const answer = await rawRequest(port, head({ method: 'POST', path }, 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n'), {
          body: endless,
        });
        expect(answer.status, path).toBe(413);
        expect(JSON.parse(answer.body)).toMatchObject({ code: 'payload_too_large' });
        expect(answer.sentBeforeAnswer, path).toBeLessThan(BODY_LIMIT + IN_FLIGHT_SLACK);
        expect(answer.closedByServer, path).toBe(true);
      }
      await expectStillServing();
    });

    it('answers an upload past MAX_ATTACHMENT_MB with 413 as soon as it passes', async () => {
      const answer = await endlessUpload('--XX\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n');
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'payload_too_large', fields: { file: expect.any(String) } });
      expect(answer.sentBeforeAnswer).toBeLessThan(ATTACHMENT_LIMIT + IN_FLIGHT_SLACK);
      await expectStillServing();
    });

    it('counts every part of an upload, not the file alone', async () => {
      const answer = await endlessUpload('--XX\r\nContent-Disposition: form-data; name="note"\r\n\r\n');
      expect(answer.status).toBe(413);
      expect(answer.sentBeforeAnswer).toBeLessThan(2 * ATTACHMENT_LIMIT + IN_FLIGHT_SLACK);
      await expectStillServing();
    });

    it('answers a route that reads no body, then stops reading the endless body it was sent', async () => {
      const answer = await rawRequest(
        port,
        head({ method: 'GET', path: '/api/v1/workflow' }, 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n'),
        { body: endless, untilReleased: true },
      );
      expect(answer.status).toBe(200);
      expect(answer.closedByServer).toBe(true);
      expect(answer.sentBeforeAnswer).toBeLessThan(IN_FLIGHT_SLACK);
      await expectStillServing();
    });

    it('refuses a declared length past the limit before reading any of it', async () => {
      const answer = await rawRequest(
        port,
        head({ method: 'POST', path: '/api/v1/tickets' }, `Content-Type: application/json\r\nContent-Length: ${BODY_LIMIT * 100}\r\n`),
        { timeoutMs: 10_000 },
      );
      expect(answer.status).toBe(413);
      expect(answer.sentBeforeAnswer).toBe(0);
      await expectStillServing();
    });
  });

  describe('an optional body', () => {
    it('takes an empty JSON body on a transition as none, so an unknown transition is a 404', async () => {
      const answer = await rawRequest(
        port,
        head(
          { method: 'POST', path: `/api/v1/tickets/${ticketId}/transitions/nope` },
          'Content-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n',
        ),
        { timeoutMs: 10_000 },
      );
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'unknown_transition' });
      const fired = await svc.call(`/api/v1/tickets/${ticketId}/transitions/assign`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: '',
      });
      expect(fired.status).toBe(400);
      expect(await fired.json()).toMatchObject({ code: 'assignee_required' });
    });
  });
});
