// The per-request values middleware hands to routes, and the Node request underneath.
import type { HttpBindings } from '@hono/node-server';

export type AppEnv = {
  Bindings: Partial<HttpBindings>;
  Variables: {
    correlationId: string;
    tenant: string;
    actor: string;
    errorCode: string | undefined;
  };
};
