// GET /api/v1/workflow: the Petri net as JSON, or as a Mermaid diagram with ?format=mermaid.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { workflowDocument, workflowMermaid } from '../../domain/workflow.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { errors, apiParameters } from '../openapi.js';
import { validationHook } from '../validation.js';

const WorkflowQuery = z.strictObject({ format: z.enum(['json', 'mermaid']).default('json') });

const Workflow = z
  .object({
    places: z.array(z.string()),
    initial: z.string(),
    transitions: z.array(
      z.object({ name: z.string(), from: z.array(z.string()), to: z.array(z.string()), roles: z.array(z.string()), description: z.string() }),
    ),
    arcs: z.array(z.object({ from: z.string(), to: z.string(), kind: z.enum(['input', 'output']) })),
    role_inheritance: z.record(z.string(), z.array(z.string())),
    admin_fires_any: z.boolean(),
  })
  .openapi('Workflow');

export function workflowRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/workflow',
      operationId: 'workflow',
      summary: 'The workflow net',
      tags: ['workflow'],
      parameters: apiParameters(deps.tenantHeader),
      request: { query: WorkflowQuery },
      responses: {
        200: {
          description: 'places, transitions, arcs and roles (JSON), or a Mermaid stateDiagram (text/vnd.mermaid)',
          content: { 'application/json': { schema: Workflow }, 'text/vnd.mermaid': { schema: z.string() } },
        },
        ...errors(400, 401),
      },
    }),
    (c) => {
      if (c.req.valid('query').format === 'mermaid') {
        return c.body(workflowMermaid(), 200, { 'Content-Type': 'text/vnd.mermaid; charset=utf-8' });
      }
      return c.json(workflowDocument(), 200);
    },
  );
  return app;
}
