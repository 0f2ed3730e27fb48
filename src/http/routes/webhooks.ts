// /api/v1/webhooks: a tenant's webhook targets (admins only). The secret goes in and never comes out.
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { classifyAddress } from '../../consumers/notify/addresses.js';
import type { Webhook } from '../../store/consumerPort.js';
import { CreateWebhookBody, WebhookItem, WebhookList, WebhookParams } from '../consumerSchemas.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { requireRole } from '../middleware/requireRole.js';
import { errors, json, jsonBody, apiParameters } from '../openapi.js';
import { validationHook } from '../validation.js';

export function webhookRoutes(deps: Pick<AppDeps, 'consumerStore' | 'tenantHeader' | 'allowPrivateWebhooks' | 'now' | 'newId'>) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const parameters = apiParameters(deps.tenantHeader);
  app.use('/webhooks', requireRole('admin'));
  app.use('/webhooks/*', requireRole('admin'));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks',
      operationId: 'listWebhooks',
      summary: 'List webhooks',
      tags: ['webhooks'],
      parameters,
      responses: { 200: json(WebhookList, "the tenant's webhooks, without their secrets"), ...errors(400, 401, 403) },
    }),
    async (c) => c.json({ items: (await deps.consumerStore.webhooks(c.get('tenant'))).map(webhookJson) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks',
      operationId: 'createWebhook',
      summary: 'Register a webhook',
      tags: ['webhooks'],
      parameters,
      request: { body: jsonBody(CreateWebhookBody) },
      responses: { 201: json(WebhookItem, 'registered'), ...errors(400, 401, 403, 413, 415) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      refuseLiteralPrivateTarget(body.url, deps.allowPrivateWebhooks);
      const hook: Webhook = {
        tenant: c.get('tenant'),
        id: deps.newId(),
        name: body.name,
        url: body.url,
        events: body.events,
        secret: body.secret,
        createdAt: deps.now().toISOString(),
      };
      await deps.consumerStore.addWebhook(hook);
      c.header('Location', `/api/v1/webhooks/${hook.id}`);
      return c.json(webhookJson(hook), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/webhooks/{id}',
      operationId: 'deleteWebhook',
      summary: 'Remove a webhook',
      tags: ['webhooks'],
      parameters,
      request: { params: WebhookParams },
      responses: { 204: { description: 'removed' }, ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      if (!(await deps.consumerStore.deleteWebhook(c.get('tenant'), c.req.valid('param').id))) {
        throw new ApiError(404, 'webhook_not_found', 'webhook not found');
      }
      return c.body(null, 204);
    },
  );
  return app;
}

function webhookJson(h: Webhook) {
  return { id: h.id, name: h.name, url: h.url, events: h.events, created_at: h.createdAt };
}

/**
 * A URL naming a forbidden address outright is refused at once. Host names are checked at every
 * delivery instead, against what they resolve to then.
 */
function refuseLiteralPrivateTarget(url: string, allowPrivate: boolean): void {
  if (allowPrivate) return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const cls = classifyAddress(host);
  const named = cls !== 'invalid' ? cls : host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost') ? 'loopback' : 'public';
  if (named !== 'public') {
    throw new ApiError(400, 'webhook_url_refused', `webhook URLs may not point at ${named.replace('_', '-')} addresses`, {
      url: `${named.replace('_', '-')} address; only public addresses are allowed`,
    });
  }
}
