// The per-request values middleware hands to routes.
export type AppEnv = {
  Variables: {
    correlationId: string;
    tenant: string;
    actor: string;
    errorCode: string | undefined;
  };
};
