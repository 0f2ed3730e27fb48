// /docs works offline: a real headless Chromium loads the page with every request outside the
// service refused, and finds the API's operations rendered from /openapi.json.
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, startService } from '../support/service.js';

/** Debian's chromium, or the browser CHROMIUM_PATH names. */
const BROWSER = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));

describe.skipIf(!BROWSER)('the API docs page in a browser', () => {
  let svc: TestService;
  let browser: Browser;
  beforeAll(async () => {
    svc = await startService({ COMPONENTS: 'api', NATS_URL: 'nats://127.0.0.1:1' });
    browser = await puppeteer.launch({ executablePath: BROWSER!, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('renders every operation with no request leaving the service', async () => {
    const page = await browser.newPage();
    const origin = new URL(svc.url).origin;
    const outside: string[] = [];
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.url().startsWith(origin) || request.url().startsWith('data:')) return void request.continue();
      outside.push(request.url());
      void request.abort();
    });
    const failed: string[] = [];
    page.on('requestfailed', (request) => {
      if (request.url().startsWith(origin)) failed.push(request.url());
    });
    await page.goto(`${svc.url}/docs`, { waitUntil: 'load' });
    await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
    const paths = await page.$$eval('.opblock-summary-path', (nodes) => nodes.map((n) => n.getAttribute('data-path')));
    const spec = (await (await svc.call('/openapi.json', { tenant: null })).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(spec.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    expect(paths).toContain('/api/v1/tickets');
    expect(paths).toContain('/api/v1/tickets/{id}/transitions/{name}');
    expect(paths).toHaveLength(operations);
    expect(outside).toEqual([]);
    expect(failed).toEqual([]);
  }, 90_000);

  it('answers 404 route_not_found for an asset it does not serve', async () => {
    const res = await svc.call('/docs/swagger-ui.js.map', { tenant: null });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('route_not_found');
  });
});
