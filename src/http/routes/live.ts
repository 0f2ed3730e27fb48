// GET /api/v1/alerts/ws: the tenant's live events over a WebSocket, after the same tenancy and
// identity checks as every /api request (a refused handshake answers with the error's status).
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { UpgradeWebSocket } from 'hono/ws';
import type { WebSocket } from 'ws';
import type { LiveHub } from '../../consumers/live/hub.js';
import type { LiveTickets } from '../liveTickets.js';
import type { AppEnv } from '../env.js';
import { apiParameters, errors, json } from '../openapi.js';
import { ApiError } from '../errors.js';

/** How long a closing client has to answer the close frame before its socket is cut. */
const CLOSE_GRACE_MS = 1000;

/** How long a ticket from POST /alerts/ticket opens the socket: enough for a page to connect. */
export const LIVE_TICKET_TTL_MS = 60_000;

const LiveTicket = z.object({ ticket: z.string(), expires_at: z.string(), url: z.string() }).openapi('LiveTicket');

export function liveRoutes(
  { hub, tickets }: { hub: LiveHub; tickets: LiveTickets },
  upgradeWebSocket: UpgradeWebSocket<WebSocket>,
  { now, tenantHeader }: { now: () => Date; tenantHeader: string },
) {
  const app = new OpenAPIHono<AppEnv>();
  const parameters = apiParameters(tenantHeader);
  // A browser cannot set headers on the handshake: it asks for a ticket here, with its usual
  // credentials, and opens /alerts/ws?ticket=… within LIVE_TICKET_TTL_MS.
  app.openapi(
    createRoute({
      method: 'post',
      path: '/alerts/ticket',
      operationId: 'issueLiveTicket',
      summary: 'A ticket for the live WebSocket',
      tags: ['live'],
      parameters,
      responses: { 201: json(LiveTicket, 'a signed ticket for /alerts/ws?ticket=, valid for 60 s'), ...errors(400, 401, 403) },
    }),
    (c) => {
      const { ticket, expiresAt } = tickets.issue(c.get('tenant'), c.get('principal'), now());
      return c.json({ ticket, expires_at: expiresAt, url: `/api/v1/alerts/ws?ticket=${ticket}` }, 201);
    },
  );
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/alerts/ws',
    operationId: 'liveAlerts',
    summary: "The tenant's live events (WebSocket)",
    description: 'A WebSocket upgrade: the tenant header and identity, or `?ticket=` from POST /alerts/ticket. Messages are JSON: `ready`, then `event`s.',
    tags: ['live'],
    parameters,
    request: { query: z.object({ ticket: z.string().optional().openapi({ description: 'from POST /api/v1/alerts/ticket, for browsers' }) }) },
    responses: {
      101: { description: 'switching to the WebSocket protocol' },
      ...errors(400, 401, 403, 426),
    },
  });
  app.get(
    '/alerts/ws',
    upgradeWebSocket((c) => {
      const tenant = c.get('tenant');
      const principal = c.get('principal');
      let leave: (() => void) | undefined;
      return {
        onOpen(_event, ws) {
          const raw = ws.raw!;
          const joined = hub.join({
            tenant,
            principal,
            send: (text) => raw.send(text),
            bufferedAmount: () => raw.bufferedAmount,
            drop: () => raw.terminate(),
            close(code, reason) {
              raw.close(code, reason);
              setTimeout(() => raw.terminate(), CLOSE_GRACE_MS).unref();
            },
          });
          leave = joined.leave;
          // Tells the client that events from now on will reach it.
          void joined.ready.then(() => raw.send(JSON.stringify({ type: 'ready', tenant, user: principal.id })));
        },
        onClose() {
          leave?.();
        },
      };
    }),
    // Reached only by a request that is not a WebSocket handshake.
    () => {
      throw new ApiError(426, 'upgrade_required', 'this endpoint speaks WebSocket only', { Upgrade: 'must be websocket' });
    },
  );
  return app;
}
