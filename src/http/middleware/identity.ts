// Who is calling: X-User-ID / X-User-Roles in header mode, a verified bearer JWT in jwt mode.
// Runs after tenancy, so a token can be checked against the tenant the request names.
import type { MiddlewareHandler } from 'hono';
import type { JWTPayload, JWTVerifyGetKey, errors as JoseErrors } from 'jose';
import { type Principal, type Role, isRole } from '../../domain/roles.js';
import { ApiError } from '../errors.js';
import type { AppEnv } from '../env.js';
import { codePoints, hasControls, isWellFormed } from '../text.js';

export type AuthSettings =
  | { mode: 'header' }
  | { mode: 'jwt'; secret?: string | undefined; jwksUrl?: string | undefined; issuer?: string | undefined; audience?: string | undefined };

/** A user id is an identifier (SPEC §11): 1-128 code points, well-formed, no control characters or line breaks. */
const isUserId = (id: string): boolean => id.length > 0 && (id.length <= 128 || codePoints(id) <= 128) && isWellFormed(id) && !hasControls(id, 'identifier');
const HMAC_ALGORITHMS = ['HS256'];
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Who the request's headers say is calling, for the tenant it names; throws the ApiError a client sees. */
export type Authenticate = (headers: RequestHeaders, tenant: string) => Promise<Principal>;

export function authenticator(settings: AuthSettings): Authenticate {
  return settings.mode === 'header' ? fromHeaders : bearerToken(settings);
}

export function identity(settings: AuthSettings): MiddlewareHandler<AppEnv> {
  const authenticate = authenticator(settings);
  return async (c, next) => {
    // Named already by a live ticket (liveTicketAuth).
    if (c.get('principal')) return next();
    c.set('principal', await authenticate(requestHeaders(c), c.get('tenant')));
    await next();
  };
}

export type RequestHeaders = { get(name: string): string | undefined };
const requestHeaders = (c: Parameters<MiddlewareHandler<AppEnv>>[0]): RequestHeaders => ({ get: (name) => c.req.header(name) });

/** Development mode: the caller says who they are. */
async function fromHeaders(headers: RequestHeaders): Promise<Principal> {
  const id = headers.get('x-user-id') ?? 'anonymous';
  if (!isUserId(id)) {
    throw new ApiError(400, 'invalid_user', 'X-User-ID must be 1-128 characters without control characters', {
      'X-User-ID': 'must be 1-128 characters without control characters',
    });
  }
  const given = headers.get('x-user-roles');
  const names =
    given === undefined
      ? ['agent']
      : given
          .split(',')
          .map((r) => r.trim())
          .filter((r) => r !== '');
  const roles = names.filter(isRole);
  const unknown = names.filter((r) => !isRole(r));
  if (unknown.length > 0 || roles.length === 0) {
    throw new ApiError(400, 'invalid_roles', `X-User-Roles must list roles among customer, agent, supervisor, admin`, {
      'X-User-Roles': unknown.length > 0 ? `unknown role ${unknown.join(', ')}` : 'must name at least one role',
    });
  }
  return { id, roles };
}

function bearerToken(settings: Extract<AuthSettings, { mode: 'jwt' }>) {
  const options = {
    algorithms: settings.secret ? HMAC_ALGORITHMS : JWKS_ALGORITHMS,
    ...(settings.issuer ? { issuer: settings.issuer } : {}),
    ...(settings.audience ? { audience: settings.audience } : {}),
    clockTolerance: 5,
  };
  // jose is loaded on the first token: header-mode processes never carry it.
  let verifier: Promise<{ verify: (token: string) => Promise<{ payload: JWTPayload }>; errors: typeof JoseErrors }> | undefined;
  const load = async () => {
    const jose = await import('jose');
    const secret = settings.secret ? new TextEncoder().encode(settings.secret) : undefined;
    const keySet: JWTVerifyGetKey | undefined = secret ? undefined : jose.createRemoteJWKSet(new URL(settings.jwksUrl ?? ''));
    const verify = (token: string) => (secret ? jose.jwtVerify(token, secret, options) : jose.jwtVerify(token, keySet!, options));
    return { verify, errors: jose.errors };
  };
  return async (headers: RequestHeaders, tenant: string): Promise<Principal> => {
    const header = headers.get('authorization');
    const match = header === undefined ? null : /^Bearer\s+([A-Za-z0-9_.-]+)\s*$/i.exec(header);
    if (!match) throw unauthorized(header === undefined ? 'missing_token' : 'invalid_token', 'an Authorization: Bearer <JWT> header is required');
    verifier ??= load();
    const { verify, errors } = await verifier;
    let payload: JWTPayload;
    try {
      ({ payload } = await verify(match[1]!));
    } catch (error) {
      throw tokenError(error, errors);
    }
    const principal = principalFromClaims(payload);
    if (payload.tenant !== tenant) {
      throw new ApiError(403, 'tenant_mismatch', `the token is for another tenant than the one the request names`, {
        tenant: 'the token tenant claim differs from the tenant header',
      });
    }
    return principal;
  };
}

function principalFromClaims(payload: JWTPayload): Principal {
  if (typeof payload.tenant !== 'string' || payload.tenant === '') throw unauthorized('invalid_token', 'the token has no tenant claim', 'tenant');
  if (typeof payload.sub !== 'string' || !isUserId(payload.sub)) throw unauthorized('invalid_token', 'the token has no usable sub claim', 'sub');
  const roles = Array.isArray(payload.roles) ? payload.roles : typeof payload.roles === 'string' ? payload.roles.split(',') : undefined;
  const valid = roles?.filter((r): r is Role => typeof r === 'string' && isRole(r.trim())).map((r) => r.trim() as Role) ?? [];
  if (valid.length === 0) throw unauthorized('invalid_token', 'the token has no roles claim naming a known role', 'roles');
  return { id: payload.sub, roles: valid };
}

function tokenError(error: unknown, joseErrors: typeof JoseErrors): ApiError {
  if (error instanceof joseErrors.JWTExpired) return unauthorized('token_expired', 'the token has expired');
  if (error instanceof joseErrors.JWKSTimeout || (error instanceof TypeError && /fetch/i.test(error.message))) {
    return new ApiError(503, 'auth_unavailable', 'the key set that verifies tokens cannot be fetched right now; retry shortly');
  }
  if (error instanceof joseErrors.JOSEError) return unauthorized('invalid_token', `the token was refused: ${error.code}`);
  return unauthorized('invalid_token', 'the token could not be verified');
}

function unauthorized(code: 'missing_token' | 'invalid_token' | 'token_expired', message: string, claim?: string): ApiError {
  return new ApiError(401, code, message, claim ? { [`token.${claim}`]: 'missing or invalid' } : { Authorization: message });
}
