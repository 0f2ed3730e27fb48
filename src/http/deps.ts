// What the HTTP app needs from the composition root.
import type { Logger } from 'pino';
import type { createNodeWebSocket } from '@hono/node-ws';
import type { CommandHandler } from '../commands/commandHandler.js';
import type { LiveHub } from '../consumers/live/hub.js';
import type { LiveTickets } from './liveTickets.js';
import type { Metrics } from '../metrics.js';
import type { RateLimiter } from '../rateLimit/port.js';
import type { AttachmentBytes } from '../nats/attachmentBytes.js';
import type { TenantSettingsSource } from '../settings/tenantSettings.js';
import type { ConsumerStore } from '../store/consumerPort.js';
import type { TicketStore } from '../store/port.js';
import type { AuthSettings } from './middleware/identity.js';

export type ReadinessCheck = () => Promise<{ ok: boolean; checks: Record<string, string> }>;

export type AppDeps = {
  /** Every change to a ticket goes through it. */
  commands: CommandHandler;
  /** Reads: history, dashboard, settings, readiness. */
  store: TicketStore;
  /** The audit log and webhook targets (the consumers' store). */
  consumerStore: ConsumerStore;
  /** WEBHOOK_ALLOW_PRIVATE: webhook URLs may name private and loopback addresses. */
  allowPrivateWebhooks: boolean;
  log: Logger;
  metrics: Metrics;
  tenantHeader: string;
  auth: AuthSettings;
  settings: TenantSettingsSource;
  attachments: { bytes: AttachmentBytes; maxBytes: number };
  idempotencyTtlMs: number;
  bodyLimitBytes: number;
  /** Each tenant's request budget on /api (RATE_LIMIT_PER_TENANT); absent: no limit. */
  rateLimiter?: RateLimiter | undefined;
  serviceName: string;
  /** Whether this process serves /api (the `api` component); operations endpoints are always served. */
  api: boolean;
  /**
   * The live component: its hub, and the WebSocket adapter (loaded only by processes that run
   * `live`). Serves GET /api/v1/alerts/ws when given.
   */
  live?: { hub: LiveHub; nodeWebSocket: typeof createNodeWebSocket; tickets: LiveTickets } | undefined;
  readiness: ReadinessCheck;
  /** `/metrics`' body when another process gathers it (API workers: the whole group's); else this registry's. */
  metricsText?: (() => Promise<string>) | undefined;
  /** True once shutdown began: responses then close their connection so keep-alive clients move on. */
  draining: () => boolean;
  now: () => Date;
  newId: () => string;
};
