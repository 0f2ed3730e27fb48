// Correlation id, one access-log line and the duration histogram for every request; during
// shutdown it also tells keep-alive clients to reconnect elsewhere.
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics.js';
import type { AppEnv } from '../env.js';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The correlation id the client sent (X-Correlation-ID, else X-Request-ID) when usable, else a new one. */
export function correlationIdOf(header: (name: string) => string | undefined): string {
  const given = header('x-correlation-id') ?? header('x-request-id');
  return given && CORRELATION_ID.test(given) ? given : randomUUID();
}

export type AnsweredRequest = {
  method: string;
  /** The route pattern, e.g. /api/v1/tickets/:id. */
  route: string;
  status: number;
  startedAt: number;
  correlationId: string;
  tenant: string | undefined;
  code: string | undefined;
};

/** Records an answered request: its duration, its error code, and its access-log line. */
export function requestRecorder(log: Logger, metrics: Metrics): (answered: AnsweredRequest) => void {
  return ({ method, route, status, startedAt, correlationId, tenant, code }) => {
    const latencyMs = performance.now() - startedAt;
    metrics.httpDuration.observe({ method, route, status }, latencyMs / 1000);
    if (code) metrics.httpErrors.inc({ code, status });
    const level = status >= 500 ? 'error' : 'info';
    if (!log.isLevelEnabled(level)) return;
    log[level](
      {
        correlation_id: correlationId,
        tenant,
        operation: `${method} ${route}`,
        status,
        latency_ms: Math.round(latencyMs * 100) / 100,
        ...(code ? { code } : {}),
      },
      `${method} ${route} ${status}`,
    );
  };
}

export function observe(log: Logger, metrics: Metrics, draining: () => boolean): MiddlewareHandler<AppEnv> {
  const record = requestRecorder(log, metrics);
  return async (c, next) => {
    const startedAt = performance.now();
    const correlationId = correlationIdOf((name) => c.req.header(name));
    c.set('correlationId', correlationId);
    // Headers set before the handler go into its response as it is made; set after, they would
    // force the server adapter to rebuild the response.
    c.header('X-Correlation-ID', correlationId);
    if (draining()) c.header('Connection', 'close');
    await next();
    record({
      method: c.req.method,
      route: routePath(c, -1),
      status: c.res.status,
      startedAt,
      correlationId,
      tenant: c.get('tenant'),
      code: c.get('errorCode'),
    });
  };
}
