// Reference server: one bare Hono route shaped like POST /api/v1/tickets (parse the JSON, answer 201), no middleware, no store.
import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/api/v1/tickets', async (c) => {
  const body = await c.req.json<{ title?: unknown }>();
  return c.json({ id: randomUUID(), title: typeof body.title === 'string' ? body.title : null }, 201);
});
app.get('/health', (c) => c.json({ status: 'ok' }));

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: process.env.HOST ?? '127.0.0.1' });
// Nothing to flush: a reference server may simply go.
process.once('SIGTERM', () => process.exit(0));
