// The per-request values middleware hands to routes.
import type { Principal } from '../domain/roles.js';

export type AppEnv = {
  Variables: {
    correlationId: string;
    tenant: string;
    principal: Principal;
    errorCode: string | undefined;
  };
};
