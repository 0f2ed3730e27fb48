// Endpoints outside /api: liveness, readiness, Prometheus metrics. No tenant, no caller.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';

const Health = z.object({ status: z.literal('ok'), service: z.string() }).openapi('Health');
const Readiness = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.record(z.string(), z.string()).openapi({ description: 'each check: "ok", or why it failed (store, nats, workers)' }),
  })
  .openapi('Readiness');

export function operationRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const operation = { tags: ['operations'], security: [] };
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      operationId: 'health',
      summary: 'Liveness',
      ...operation,
      responses: { 200: { description: 'the process is alive', content: { 'application/json': { schema: Health } } } },
    }),
    (c) => c.json({ status: 'ok' as const, service: deps.serviceName }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/ready',
      operationId: 'ready',
      summary: 'Readiness',
      ...operation,
      responses: {
        200: { description: 'the store, NATS and the stream answer (and every API worker)', content: { 'application/json': { schema: Readiness } } },
        503: { description: 'a check failed; `checks` says which', content: { 'application/json': { schema: Readiness } } },
      },
    }),
    async (c) => {
      const report = await deps.readiness();
      return report.ok
        ? c.json({ status: 'ready' as const, checks: report.checks }, 200)
        : c.json({ status: 'not_ready' as const, checks: report.checks }, 503);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      ...operation,
      responses: { 200: { description: 'every series of the process (group)', content: { 'text/plain': { schema: z.string() } } } },
    }),
    async (c) => {
      const body = await (deps.metricsText ?? (() => deps.metrics.registry.metrics()))();
      return c.text(body, 200, { 'Content-Type': deps.metrics.registry.contentType });
    },
  );
  return app;
}
