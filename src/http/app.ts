// The Hono application: middleware order, routes, the OpenAPI document and the one error mapping.
import type { Server } from 'node:http';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from './deps.js';
import type { AppEnv } from './env.js';
import { ApiError, apiErrorOf, errorResponse } from './errors.js';
import { identity } from './middleware/identity.js';
import { jsonBody } from './middleware/jsonBody.js';
import { observe } from './middleware/observe.js';
import { gateWebSocketHandshakes } from './nodeServer.js';
import { rateLimit } from './middleware/rateLimit.js';
import { tenancy } from './middleware/tenancy.js';
import { liveTicketAuth } from './middleware/liveTicketAuth.js';
import { attachmentRoutes } from './routes/attachments.js';
import { batchRoutes } from './routes/batch.js';
import { commentRoutes } from './routes/comments.js';
import { configRoutes } from './routes/config.js';
import { slaRoutes } from './routes/sla.js';
import { automationRoutes } from './routes/automations.js';
import { githubRoutes } from './routes/github.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { docsRoutes } from './routes/docs.js';
import { auditRoutes } from './routes/audit.js';
import { liveRoutes } from './routes/live.js';
import { operationRoutes } from './routes/operations.js';
import { ticketRoutes } from './routes/tickets.js';
import { validationHook } from './validation.js';
import { registerSecuritySchemes } from './openapi.js';
import { transitionRoutes } from './routes/transitions.js';
import { webhookRoutes } from './routes/webhooks.js';
import { workflowRoutes } from './routes/workflow.js';

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('*', observe(deps.log, deps.metrics, deps.draining));
  const websockets = deps.live ? deps.live.nodeWebSocket({ app }) : undefined;
  if (deps.api || deps.live) mountGuards(app, deps);
  if (deps.api) mountApi(app, deps);
  if (deps.live && websockets) app.route('/api/v1', liveRoutes(deps.live, websockets.upgradeWebSocket, { now: deps.now, tenantHeader: deps.tenantHeader }));
  app.route('/', operationRoutes(deps));

  registerSecuritySchemes(app, deps.tenantHeader);
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: deps.serviceName,
      version: '1',
      description: 'Multi-tenant support tickets. Every /api request names its tenant in the tenant header.',
    },
    servers: [{ url: '/', description: 'this service' }],
    // The tenant always; the caller by a bearer JWT (AUTH_MODE=jwt) or by headers (header mode,
    // where both have defaults).
    security: [{ tenant: [], bearer: [] }, { tenant: [], userId: [], userRoles: [] }, { tenant: [] }],
  });
  app.route('/', docsRoutes());

  app.notFound((c) => errorResponse(c, new ApiError(404, 'route_not_found', `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    const { error: apiError, retryAfter } = apiErrorOf(error, deps.log, c.get('correlationId'));
    if (retryAfter) c.header('Retry-After', retryAfter);
    return errorResponse(c, apiError);
  });
  /** Hands WebSocket handshakes on the server to the app (the live component); a no-op without it. */
  const injectWebSocket = (server: Server) => websockets && gateWebSocketHandshakes(server, websockets.injectWebSocket);
  return Object.assign(app, { injectWebSocket });
}

/** Every /api request names its tenant and caller and spends its tenant's budget, the WebSocket handshake included. */
function mountGuards(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  // A browser's handshake names its tenant and caller by a ticket instead of headers.
  if (deps.live) app.use('/api/v1/alerts/ws', liveTicketAuth(deps.live.tickets, deps.tenantHeader, deps.now));
  app.use('/api/*', tenancy(deps.tenantHeader));
  app.use('/api/*', identity(deps.auth));
  // After identity: a caller without credentials cannot spend a tenant's budget and lock it out.
  if (deps.rateLimiter) app.use('/api/*', rateLimit(deps.rateLimiter));
  app.use('/api/*', jsonBody(deps.bodyLimitBytes));
}

function mountApi(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  // Before the ticket routes: /tickets/batch must not be taken for /tickets/{id}.
  app.route('/api/v1', batchRoutes(deps));
  app.route('/api/v1', ticketRoutes(deps));
  app.route('/api/v1', transitionRoutes(deps));
  app.route('/api/v1', commentRoutes(deps));
  app.route('/api/v1', slaRoutes(deps));
  app.route('/api/v1', automationRoutes(deps));
  app.route('/api/v1', githubRoutes(deps));
  app.route('/api/v1', attachmentRoutes(deps, deps.attachments.bytes, deps.attachments.maxBytes));
  app.route('/api/v1', workflowRoutes(deps));
  app.route('/api/v1', configRoutes(deps));
  app.route('/api/v1', dashboardRoutes(deps));
  app.route('/api/v1', auditRoutes(deps));
  app.route('/api/v1', webhookRoutes(deps));
}
