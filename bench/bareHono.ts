// Reference server: one bare Hono route shaped like POST /api/v1/tickets (read and parse the JSON,
// answer 201), no middleware, no store. It reads the body the way the service does (Node's request
// stream, counted against the limit), so the ratio measures the service's own work.
import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { readText } from '../src/http/readBody.js';

const app = new Hono<{ Bindings: HttpBindings }>();
app.post('/api/v1/tickets', async (c) => {
  const body = JSON.parse((await readText(c.env.incoming, 1024 * 1024)) ?? 'null') as { title?: unknown };
  return c.json({ id: randomUUID(), title: typeof body.title === 'string' ? body.title : null }, 201);
});
app.get('/health', (c) => c.json({ status: 'ok' }));

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: process.env.HOST ?? '127.0.0.1' });
// Nothing to flush: a reference server may simply go.
process.once('SIGTERM', () => process.exit(0));
