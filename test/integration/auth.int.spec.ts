// SPEC §2 in jwt mode: HS256 tokens and a JWKS key set; 401 for missing, bad or expired
// tokens, 403 when the token's tenant is not the request's. A local HTTP server stands in for
// the identity provider's JWKS endpoint.
import { execFile } from 'node:child_process';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { type TestService, startService } from '../support/service.js';

const SECRET = 'a-development-secret-of-at-least-32-chars';
let nats: TestNats;
let hs: TestService;
let jwks: TestService;
let idp: Server;
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let store: TestStore;

  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    rsa = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    idp = createServer((req, res) => {
      res.writeHead(req.url === '/.well-known/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`;
    hs = await startService({ ...store.env, NATS_URL: nats.url, STREAM_NAME: 'AUTH_HS', AUTH_MODE: 'jwt', JWT_SECRET: SECRET });
    jwks = await startService({
      ...store.env,
      NATS_URL: nats.url,
      STREAM_NAME: 'AUTH_HS',
      AUTH_MODE: 'jwt',
      JWT_JWKS_URL: jwksUrl,
      RELAY_POLL_MS: '60000',
      COMPONENTS: 'api',
    });
  });
  afterAll(async () => {
    await hs?.stop();
    await jwks?.stop();
    await new Promise((resolve) => idp?.close(resolve));
    await store?.dispose();
    await nats?.stop();
  });

  type Claims = { tenant?: unknown; sub?: string; roles?: unknown };
  const hsToken = (claims: Claims, exp = '5m') =>
    new SignJWT({ ...claims } as Record<string, unknown>)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sub ?? 'dana')
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(SECRET));
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  describe('HS256 tokens', () => {
    it('let the token subject act with the token roles', async () => {
      const token = await hsToken({ tenant: 'acme', roles: ['agent'] });
      const res = await hs.call('/api/v1/tickets', { method: 'POST', headers: bearer(token), json: { title: 't', created_by: 'x' } });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { enabled_transitions: string[] }).enabled_transitions).toEqual(['assign']);
    });

    it('ignore X-User-ID and X-User-Roles: only the token speaks', async () => {
      const token = await hsToken({ tenant: 'acme', sub: 'cust-5', roles: ['customer'] });
      const res = await hs.call('/api/v1/tickets', {
        method: 'POST',
        headers: { ...bearer(token), 'X-User-Roles': 'admin' },
        json: { title: 't', created_by: 'x' },
      });
      expect(((await res.json()) as { customer_id: string }).customer_id).toBe('cust-5');
    });

    it.each([
      ['no Authorization header', {}, 'missing_token'],
      ['a non-bearer scheme', { Authorization: 'Basic Zm9vOmJhcg==' }, 'invalid_token'],
      ['a malformed token', { Authorization: 'Bearer not.a.jwt' }, 'invalid_token'],
    ])('answer 401 to %s', async (_what, headers, code) => {
      const res = await hs.call('/api/v1/tickets', { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code });
    });

    it('answer 401 to a token signed with another secret, an expired one and one without roles', async () => {
      const forged = await new SignJWT({ tenant: 'acme', roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('eve')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('another-secret-that-is-32-chars-long!!'));
      const expired = await hsToken({ tenant: 'acme', roles: ['agent'] }, '-1h');
      const roleless = await hsToken({ tenant: 'acme' });
      for (const [token, code] of [
        [forged, 'invalid_token'],
        [expired, 'token_expired'],
        [roleless, 'invalid_token'],
      ] as const) {
        const res = await hs.call('/api/v1/tickets', { headers: bearer(token) });
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ code });
      }
    });

    it('answer 403 when the token is for another tenant than X-Tenant-ID', async () => {
      const token = await hsToken({ tenant: 'globex', roles: ['admin'] });
      const res = await hs.call('/api/v1/tickets', { headers: bearer(token) });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'tenant_mismatch' });
    });

    it('can be minted with `ticket-svc token` for development', async () => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['dist/src/cli.js', 'token', '--tenant', 'acme', '--sub', 'sam', '--roles', 'supervisor'],
        {
          env: { ...process.env, AUTH_MODE: 'jwt', JWT_SECRET: SECRET },
        },
      );
      const res = await hs.call('/api/v1/tickets', { headers: bearer(stdout.trim()) });
      expect(res.status).toBe(200);
    });
  });

  describe('JWKS key sets', () => {
    const rsToken = (claims: Claims, kid = 'k1') =>
      new SignJWT({ ...claims } as Record<string, unknown>)
        .setProtectedHeader({ alg: 'RS256', kid })
        .setSubject('dana')
        .setExpirationTime('5m')
        .sign(rsa.privateKey);

    it('verify tokens signed by a key the set publishes', async () => {
      const res = await jwks.call('/api/v1/tickets', { headers: bearer(await rsToken({ tenant: 'acme', roles: ['agent'] })) });
      expect(res.status).toBe(200);
    });

    it('refuse a token whose key is not in the set, and an HS256 token', async () => {
      const other = await generateKeyPair('RS256');
      const stranger = await new SignJWT({ tenant: 'acme', roles: ['admin'] })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('eve')
        .setExpirationTime('5m')
        .sign(other.privateKey);
      const hmac = await hsToken({ tenant: 'acme', roles: ['admin'] });
      for (const token of [stranger, hmac]) {
        const res = await jwks.call('/api/v1/tickets', { headers: bearer(token) });
        expect(res.status).toBe(401);
      }
    });
  });
});
