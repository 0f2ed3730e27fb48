// The API's error vocabulary: stable codes, one mapping to HTTP status and body.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import type { Refusal } from '../domain/decision.js';
import { AttachmentsUnavailableError } from '../nats/attachmentBytes.js';
import { StoreUnavailableError } from '../store/port.js';
import type { AppEnv } from './env.js';
import { answerOnSocket } from './socketAnswer.js';

export type ErrorCode =
  | 'validation_failed'
  | 'invalid_text'
  | 'invalid_json'
  | 'invalid_cursor'
  | 'missing_tenant'
  | 'invalid_tenant'
  | 'invalid_user'
  | 'invalid_roles'
  | 'missing_token'
  | 'invalid_token'
  | 'invalid_ticket'
  | 'token_expired'
  | 'tenant_mismatch'
  | 'auth_unavailable'
  | 'forbidden'
  | 'role_not_allowed'
  | 'unknown_transition'
  | 'transition_not_enabled'
  | 'assignee_required'
  | 'invalid_at'
  | 'invalid_multipart'
  | 'attachments_unavailable'
  | 'invalid_idempotency_key'
  | 'webhook_url_refused'
  | 'webhook_not_found'
  | 'automation_not_found'
  | 'upgrade_required'
  | 'not_found'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'version_mismatch'
  | 'idempotency_key_reused'
  | 'external_id_taken'
  | 'payload_too_large'
  | 'incomplete_body'
  | 'headers_too_large'
  | 'request_timeout'
  | 'malformed_request'
  | 'invalid_handshake'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'not_ready'
  | 'store_unavailable'
  | 'internal_error';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

/** The client closed the connection before its body ended: the answer, if it still arrives, says so. */
export const bodyEndedEarly = () =>
  new ApiError(400, 'incomplete_body', 'the request body ended before its end: the connection was closed', { body: 'incomplete' });

export function errorResponse(c: Context<AppEnv>, error: ApiError): Response {
  c.set('errorCode', error.code);
  const body = errorBody(error, c.get('correlationId'));
  const res = c.json(body, error.status);
  // A refused WebSocket handshake has no response object (the adapter would answer with an empty
  // body): it gets the same JSON, with the same headers, on its socket.
  const { incoming, outgoing } = c.env ?? {};
  if (incoming && !outgoing && incoming.headers.upgrade?.toLowerCase() === 'websocket') {
    answerOnSocket(incoming.socket, error.status, JSON.stringify(body), res.headers);
  }
  return res;
}

export function errorBody(error: ApiError, correlationId: string | undefined) {
  return {
    error: error.message,
    code: error.code,
    correlation_id: correlationId ?? '',
    ...(error.fields ? { fields: error.fields } : {}),
  };
}

/**
 * What a client sees of anything a handler threw: our own errors as they are, the store or NATS
 * being away as 503 with a Retry-After, Hono's client errors in our codes, and anything else as a
 * 500 that names only the correlation id (the cause goes to the log).
 */
export function apiErrorOf(error: unknown, log: Logger, correlationId: string | undefined): { error: ApiError; retryAfter?: string } {
  if (error instanceof ApiError) return { error };
  if (error instanceof StoreUnavailableError) {
    log.error({ correlation_id: correlationId, err: error.cause }, 'store unavailable');
    return { error: new ApiError(503, 'store_unavailable', 'the store cannot take this request right now; retry shortly'), retryAfter: '1' };
  }
  if (error instanceof AttachmentsUnavailableError) {
    return {
      error: new ApiError(503, 'attachments_unavailable', 'attachments cannot be stored or read while NATS is unreachable; retry shortly'),
      retryAfter: '5',
    };
  }
  if (error instanceof HTTPException && error.status < 500) return { error: httpExceptionError(error) };
  log.error({ correlation_id: correlationId, err: error }, 'unhandled error');
  return { error: new ApiError(500, 'internal_error', 'internal error; quote the correlation_id when reporting it') };
}

// Hono's own middleware speaks HTTPException; translate what a client can cause into our codes.
function httpExceptionError(error: HTTPException): ApiError {
  switch (error.status) {
    case 413:
      return new ApiError(413, 'payload_too_large', 'the request body is too large');
    case 415:
      return new ApiError(415, 'unsupported_media_type', 'the request body must be application/json');
    case 400:
      return new ApiError(400, 'invalid_json', error.message || 'malformed request');
    default:
      return new ApiError(error.status as 400, 'validation_failed', error.message || 'bad request');
  }
}

/** Maps a domain refusal to the API error a client sees. */
export function refusalError(refusal: Refusal): ApiError {
  switch (refusal.code) {
    case 'not_found':
      return new ApiError(404, 'not_found', 'ticket not found');
    case 'version_mismatch':
      return new ApiError(412, 'version_mismatch', `If-Match ${refusal.expected} does not match the current version ${refusal.actual}`, {
        'If-Match': `current version is "${refusal.actual}"`,
      });
    case 'external_id_taken':
      return new ApiError(409, 'external_id_taken', `external_id ${refusal.externalId} is already used by another ticket`, {
        external_id: 'already used by another ticket of this tenant',
      });
    case 'forbidden':
      return new ApiError(403, 'forbidden', refusal.reason, refusal.field ? { [refusal.field]: refusal.reason } : undefined);
    case 'assignee_required':
      return new ApiError(400, 'assignee_required', 'the assign transition needs an assignee', { assignee: 'required for assign' });
    case 'unknown_transition':
      return new ApiError(404, 'unknown_transition', `there is no transition named ${refusal.transition}; GET /api/v1/workflow lists them`);
    case 'transition_not_enabled':
      return new ApiError(
        409,
        'transition_not_enabled',
        `${refusal.transition} is not enabled in ${refusal.from}; enabled for you: ${refusal.enabled.join(', ') || 'none'}`,
        { transition: `enabled: ${refusal.enabled.join(', ') || 'none'}` },
      );
    case 'role_not_allowed':
      return new ApiError(403, 'role_not_allowed', `${refusal.transition} needs the role ${refusal.roles.join(' or ')} (or admin)`, {
        roles: `needs ${refusal.roles.join(' or ')}`,
      });
    default: {
      const unreachable: never = refusal;
      throw new Error(`unhandled refusal ${JSON.stringify(unreachable)}`);
    }
  }
}
