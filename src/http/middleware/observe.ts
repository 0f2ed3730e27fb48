// Correlation id, one access-log line and the duration histogram for every request; during
// shutdown it also tells keep-alive clients to reconnect elsewhere.
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics.js';
import type { AppEnv } from '../env.js';
import { requestHeader } from '../requestHeader.js';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function observe(log: Logger, metrics: Metrics, draining: () => boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const given = requestHeader(c, 'x-correlation-id') ?? requestHeader(c, 'x-request-id');
    const correlationId = given && CORRELATION_ID.test(given) ? given : randomUUID();
    c.set('correlationId', correlationId);
    // Headers set before the handler go into its response as it is made; set after, they would
    // force the server adapter to rebuild the response.
    c.header('X-Correlation-ID', correlationId);
    if (draining()) c.header('Connection', 'close');
    await next();
    const latencyMs = performance.now() - started;
    const route = routePath(c, -1);
    const status = c.res.status;
    metrics.httpDuration.observe({ method: c.req.method, route, status }, latencyMs / 1000);
    const code = c.get('errorCode');
    if (code) metrics.httpErrors.inc({ code, status });
    const level = status >= 500 ? 'error' : 'info';
    if (!log.isLevelEnabled(level)) return;
    log[level]({
      correlation_id: correlationId,
      tenant: c.get('tenant'),
      operation: `${c.req.method} ${route}`,
      status,
      latency_ms: Math.round(latencyMs * 100) / 100,
      ...(code ? { code } : {}),
    });
  };
}
