// SPEC §8 github: with GITHUB_TOKEN, a new bug ticket opens an issue (linked back on the ticket),
// closing the ticket closes it. A local HTTP server stands in for GitHub's REST API and checks
// the requests it expects; the service, store and nats-server are real.
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { type Json, type TestService, startService } from '../support/service.js';
import { readStream, waitFor } from '../support/stream.js';

type Seen = { method: string; path: string; headers: IncomingMessage['headers']; body: Json };
type Issue = { number: number; html_url: string; body: string; state: string; labels: string[] };

let nats: TestNats;
let svc: TestService;
let github: Server;
const seen: Seen[] = [];
const issues: Issue[] = [];
/** Behaviour of the next issue creations: fail with 500, or create and answer too late. */
let plan: Array<'fail' | 'late'> = [];
let oldBug: string;
const TOKEN = 'ghp_test_token_not_real';

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let store: TestStore;

  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    github = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString();
      const body = text ? JSON.parse(text) : undefined;
      const path = req.url ?? '';
      seen.push({ method: req.method ?? '', path, headers: req.headers, body });
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (
        req.headers.authorization !== `Bearer ${TOKEN}` ||
        req.headers['x-github-api-version'] !== '2022-11-28' ||
        req.headers.accept !== 'application/vnd.github+json'
      ) {
        return send(401, { message: 'Bad credentials' });
      }
      if (req.method === 'POST' && path === '/repos/acme/app/issues') {
        const step = plan.shift();
        if (step === 'fail') return send(500, { message: 'boom' });
        const issue = {
          number: issues.length + 1,
          html_url: `https://github.com/acme/app/issues/${issues.length + 1}`,
          body: body.body,
          state: 'open',
          labels: body.labels,
        };
        issues.push(issue);
        if (step === 'late') return setTimeout(() => send(201, issue), 1500);
        return send(201, issue);
      }
      if (req.method === 'GET' && path.startsWith('/repos/acme/app/issues?')) {
        return send(
          200,
          [...issues].reverse().filter((i) => i.labels.includes('ticket-svc')),
        );
      }
      const patch = /^\/repos\/acme\/app\/issues\/(\d+)$/.exec(path);
      if (req.method === 'PATCH' && patch) {
        const issue = issues[Number(patch[1]) - 1];
        if (!issue) return send(404, { message: 'Not Found' });
        issue.state = body.state;
        return send(200, issue);
      }
      return send(404, { message: 'Not Found' });
    });
    await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
    // History from before the consumer was enabled: a bug ticket whose created event is already in the stream.
    const before = await startService({
      ...store.env,
      NATS_URL: nats.url,
      STREAM_NAME: 'GITHUB_EVENTS',
      DLQ_STREAM_NAME: 'GITHUB_DLQ',
      COMPONENTS: 'api,relay',
    });
    const old = await before.call('/api/v1/tickets', { method: 'POST', json: { title: 'Old crash', created_by: 'bob', type: 'bug' } });
    oldBug = ((await old.json()) as { id: string }).id;
    await waitFor(async () => (await readStream(nats.url, 'GITHUB_EVENTS')).some((e) => e.event.data?.id === oldBug), 'the old bug in the stream');
    await before.stop();
    svc = await startService({
      ...store.env,
      NATS_URL: nats.url,
      STREAM_NAME: 'GITHUB_EVENTS',
      DLQ_STREAM_NAME: 'GITHUB_DLQ',
      COMPONENTS: 'api,relay,github',
      GITHUB_TOKEN: TOKEN,
      GITHUB_REPO: 'acme/app',
      GITHUB_API_URL: `http://127.0.0.1:${(github.address() as AddressInfo).port}`,
      GITHUB_TIMEOUT_MS: '500',
      CONSUMER_BACKOFF_BASE_MS: '100',
    });
    // Tickets created from here on come after the consumer was first enabled.
    await waitFor(() => durableExists(nats.url, 'GITHUB_EVENTS', 'github_created'), 'the github consumer enabled');
  });
  afterAll(async () => {
    await svc?.stop();
    await new Promise((resolve) => github?.close(resolve));
    await store?.dispose();
    await nats?.stop();
  });
  beforeEach(() => {
    plan = [];
  });

  const AGENT = { 'X-User-ID': 'dana' };
  async function create(type: string, title = 'Checkout crashes'): Promise<string> {
    const res = await svc.call('/api/v1/tickets', {
      method: 'POST',
      json: { title, created_by: 'bob', type, description: 'stack trace attached' },
      headers: AGENT,
    });
    return ((await res.json()) as { id: string }).id;
  }
  const ticket = async (id: string) => (await (await svc.call(`/api/v1/tickets/${id}`, { headers: AGENT })).json()) as Json;
  const linked = (id: string) => waitFor(async () => (await ticket(id)).github_issue ?? undefined, 'the link on the ticket');
  const creations = (marker: string) => seen.filter((s) => s.method === 'POST' && String(s.body?.body).includes(marker));

  describe('the github consumer', () => {
    it('opens one issue for a new bug ticket, with the headers GitHub expects, and links it on the ticket', async () => {
      const id = await create('bug');
      const link = await linked(id);
      const [post] = creations(id);
      expect(post).toMatchObject({ method: 'POST', path: '/repos/acme/app/issues', body: { title: '[acme] Checkout crashes', labels: ['ticket-svc', 'bug'] } });
      expect(post!.headers['user-agent']).toMatch(/^ticket-svc\//);
      expect(post!.body.body).toContain(`<!-- ticket-svc:acme/${id} -->`);
      expect(link).toEqual({
        number: issues.find((i) => i.body.includes(id))!.number,
        url: expect.stringMatching(/^https:\/\/github.com\/acme\/app\/issues\/\d+$/),
      });
      expect(creations(id)).toHaveLength(1);
    });

    it('leaves bug tickets created before it was first enabled alone', async () => {
      await linked(await create('bug', 'after enabling'));
      expect(creations(oldBug)).toHaveLength(0);
      expect((await ticket(oldBug)).github_issue ?? undefined).toBeUndefined();
    });

    it('opens nothing for other ticket types', async () => {
      const id = await create('question');
      const bug = await create('bug', 'after the question');
      await linked(bug);
      expect(creations(id)).toHaveLength(0);
    });

    it('closes the issue when the ticket closes, and reopens it with the ticket', async () => {
      const id = await create('bug');
      const { number } = await linked(id);
      for (const [name, body] of [
        ['assign', { assignee: 'dana' }],
        ['start_work', {}],
        ['resolve', {}],
        ['close', {}],
      ] as const) {
        expect((await svc.call(`/api/v1/tickets/${id}/transitions/${name}`, { method: 'POST', json: body, headers: AGENT })).status).toBe(200);
      }
      await waitFor(async () => issues[number - 1]!.state === 'closed', 'the issue closed');
      expect(seen.find((s) => s.method === 'PATCH' && s.path === `/repos/acme/app/issues/${number}`)?.body).toEqual({
        state: 'closed',
        state_reason: 'completed',
      });
      await svc.call(`/api/v1/tickets/${id}/transitions/reopen`, { method: 'POST', headers: { 'X-User-Roles': 'admin' } });
      await waitFor(async () => issues[number - 1]!.state === 'open', 'the issue reopened');
    });

    it('retries a failing GitHub and still opens exactly one issue', async () => {
      plan = ['fail', 'fail'];
      const id = await create('bug');
      await linked(id);
      expect(seen.filter((s) => s.method === 'POST' && s.body?.body?.includes(id))).toHaveLength(3);
      expect(issues.filter((i) => i.body.includes(id))).toHaveLength(1);
    });

    it('links the issue GitHub created even when its answer came too late, instead of opening a second', async () => {
      plan = ['late'];
      const id = await create('bug');
      await linked(id);
      expect(issues.filter((i) => i.body.includes(id))).toHaveLength(1);
      expect(creations(id)).toHaveLength(1);
    });
  });
});

async function durableExists(url: string, stream: string, durable: string): Promise<boolean> {
  const nc = await connect({ servers: url });
  try {
    return await (await jetstreamManager(nc)).consumers.info(stream, durable).then(
      () => true,
      () => false,
    );
  } finally {
    await nc.close();
  }
}
