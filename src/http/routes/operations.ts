// Endpoints outside /api: liveness, readiness, Prometheus metrics.
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';

export function operationRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/health', (c) => c.json({ status: 'ok', service: deps.serviceName }));
  app.get('/ready', async (c) => {
    const report = await deps.readiness();
    return c.json({ status: report.ok ? 'ready' : 'not_ready', checks: report.checks }, report.ok ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    const body = await (deps.metricsText ?? (() => deps.metrics.registry.metrics()))();
    return c.body(body, 200, { 'Content-Type': deps.metrics.registry.contentType });
  });
  return app;
}
