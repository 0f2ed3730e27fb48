// The per-request values middleware hands to routes, and the Node request and response behind them.
import type { HttpBindings } from '@hono/node-server';
import type { Principal } from '../domain/roles.js';

export type AppEnv = {
  Bindings: HttpBindings;
  Variables: {
    correlationId: string;
    tenant: string;
    principal: Principal;
    errorCode: string | undefined;
  };
};
