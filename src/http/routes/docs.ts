// GET /docs: the API reference (Swagger UI) with every asset served by the service itself, from the
// pinned swagger-ui-dist package, so the page works without internet. The page's script is a file
// of its own rather than inline, so a strict Content-Security-Policy in front of it still allows it.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>ticket-svc API</title>
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/start.js"></script>
</body>
</html>
`;

const START = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

/** The package's files the page loads, with their media types. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

export function docsRoutes() {
  const app = new Hono<AppEnv>();
  // Read on first request, then kept: most processes never serve the page.
  const cache = new Map<string, Promise<Buffer>>();
  const dir = () => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const asset = (name: string) => {
    let bytes = cache.get(name);
    if (!bytes) {
      bytes = readFile(join(dir(), name));
      cache.set(name, bytes);
      // A failed read is not kept: the next request tries again.
      bytes.catch(() => cache.delete(name));
    }
    return bytes;
  };

  app.get('/docs', (c) => c.html(PAGE));
  app.get('/docs/start.js', (c) => c.body(START, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('/docs/:file', async (c) => {
    const name = c.req.param('file');
    const type = ASSETS[name];
    if (!type) throw new ApiError(404, 'route_not_found', `no route for GET ${c.req.path}`);
    const bytes = await asset(name);
    return c.body(new Uint8Array(bytes), 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
  });
  return app;
}
