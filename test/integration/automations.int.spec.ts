// SPEC §13 through HTTP and the stream: rules validated when written, event rules run off the
// stream in position order as system:automation:<id>, field actions as one change, chains that
// stop at depth 3, skipped actions in the audit log, dry runs, idle rules once per entry into a
// status, and every action applied once through redeliveries and a SIGKILL with a restart.
import { toBinary } from '@bufbuild/protobuf';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_EVENTS } from '../../src/automations/ruleSchema.js';
import { TicketEventSchema } from '../../src/gen/ticketpb/ticket_pb.js';
import type { System } from '../../src/system.js';
import { type TestNats, startTestNats } from '../support/nats.js';
import { type Json, type TestService, spawnService, startService, tempDataDir } from '../support/service.js';
import { type TestStore, skipFlavour, storeFlavours } from '../support/stores.js';
import { publishedSoFar, readStream, waitFor } from '../support/stream.js';

const STREAM = 'AUTOMATION_EVENTS';
const ADMIN = { 'X-User-ID': 'root', 'X-User-Roles': 'admin' };
const AGENT = { 'X-User-ID': 'dana', 'X-User-Roles': 'agent' };

type Call = TestService['call'];

describe.each(await storeFlavours())('on $name', (flavour) => {
  if (flavour.skip) return skipFlavour(flavour);
  let nats: TestNats;
  let store: TestStore;
  let svc: TestService & { system: System };

  beforeAll(async () => {
    nats = await startTestNats();
    store = await flavour.fresh();
    svc = await startService({ ...store.env, NATS_URL: nats.url, STREAM_NAME: STREAM, SLA_SCAN_INTERVAL_MS: '3600000', CONSUMER_BACKOFF_BASE_MS: '50' });
  });
  afterAll(async () => {
    await svc?.stop();
    await store?.dispose();
    await nats?.stop();
  });

  const on = (call: Call, tenant: string) => ({
    rule: async (rule: Json) => {
      const res = await call('/api/v1/automations', { method: 'POST', json: rule, headers: ADMIN, tenant });
      expect(res.status).toBe(201);
      return (await res.json()) as Json;
    },
    ticket: async (over: Json = {}) => {
      const res = await call('/api/v1/tickets', { method: 'POST', json: { title: 'Printer on fire', created_by: 'bob', ...over }, headers: AGENT, tenant });
      expect(res.status).toBe(201);
      return (await res.json()) as Json;
    },
    get: async (id: string) => (await (await call(`/api/v1/tickets/${id}`, { headers: AGENT, tenant })).json()) as Json,
    history: async (id: string) => ((await (await call(`/api/v1/tickets/${id}/history`, { headers: AGENT, tenant })).json()) as Json).items as Json[],
  });

  describe('rules', () => {
    it('are validated when written, naming the field', async () => {
      const post = (rule: unknown) => svc.call('/api/v1/automations', { method: 'POST', json: rule, headers: ADMIN, tenant: 'rules' });
      const base = { name: 'r', when: { event: 'created', conditions: [] }, actions: [{ add_tags: ['x'] }] };
      const cases: Array<[unknown, string]> = [
        [{ ...base, when: { event: 'created', conditions: [{ field: 'colour', op: 'eq', value: 'red' }] } }, 'when.conditions.0.field'],
        [{ ...base, when: { event: 'created', conditions: [{ field: 'priority', op: 'like', value: 'high' }] } }, 'when.conditions.0.op'],
        [{ ...base, actions: [{ transition: 'teleport' }] }, 'actions.0.transition'],
        [{ ...base, actions: [{ explode: true }] }, 'actions.0'],
        [{ ...base, actions: [{ notify: { webhook_id: 'no-such-hook' } }] }, 'actions.0.notify.webhook_id'],
        [{ ...base, when: { idle: { status: 'new', for: '72x' } } }, 'when.idle.for'],
      ];
      for (const [rule, field] of cases) {
        const res = await post(rule);
        expect(res.status).toBe(400);
        const body = (await res.json()) as Json;
        expect(body.code).toBe('validation_failed');
        expect(Object.keys(body.fields)).toContain(field);
      }
      expect((await svc.call('/api/v1/automations', { headers: AGENT, tenant: 'rules' })).status).toBe(403);
    });

    it('are read, replaced and removed', async () => {
      const t = on(svc.call, 'crud');
      const rule = await t.rule({
        name: 'tag bugs',
        position: 2,
        when: { event: 'created', conditions: [{ field: 'type', op: 'eq', value: 'bug' }] },
        actions: [{ add_tags: ['bug'] }],
      });
      expect(rule).toMatchObject({ name: 'tag bugs', enabled: true, position: 2, id: expect.any(String) });
      const replaced = await svc.call(`/api/v1/automations/${rule.id}`, {
        method: 'PUT',
        json: { name: 'tag bugs', enabled: false, when: { event: 'created' }, actions: [{ add_tags: ['bug'] }] },
        headers: ADMIN,
        tenant: 'crud',
      });
      expect(((await replaced.json()) as Json).enabled).toBe(false);
      const listed = (await (await svc.call('/api/v1/automations', { headers: ADMIN, tenant: 'crud' })).json()) as Json;
      expect(listed.items.map((r: Json) => r.id)).toEqual([rule.id]);
      expect((await svc.call(`/api/v1/automations/${rule.id}`, { headers: ADMIN, tenant: 'other' })).status).toBe(404);
      expect((await svc.call(`/api/v1/automations/${rule.id}`, { method: 'DELETE', headers: ADMIN, tenant: 'crud' })).status).toBe(204);
      expect((await svc.call(`/api/v1/automations/${rule.id}`, { headers: ADMIN, tenant: 'crud' })).status).toBe(404);
    });
  });

  describe('event rules', () => {
    it('apply their field actions as one change, as the rule, in position order', async () => {
      const t = on(svc.call, 'fields');
      const second = await t.rule({
        name: 'then retype',
        position: 5,
        when: { event: 'created', conditions: [{ field: 'priority', op: 'eq', value: 'critical' }] },
        actions: [{ set: { type: 'bug' } }],
      });
      const first = await t.rule({
        name: 'escalate criticals',
        position: 1,
        when: { event: 'created', conditions: [{ field: 'priority', op: 'in', value: ['critical', 'high'] }] },
        actions: [{ add_tags: ['urgent'] }, { set: { customer_tier: 'premium' } }, { assign: 'oncall' }],
      });
      const ticket = await t.ticket({ priority: 'critical' });
      const quiet = await t.ticket({ priority: 'low' });
      const done = await waitFor(async () => {
        const now = await t.get(ticket.id);
        return now.type === 'bug' && now.tags.includes('urgent') ? now : undefined;
      }, 'both rules applied');
      expect(done).toMatchObject({ customer_tier: 'premium', assignee: 'oncall', tags: ['urgent'], type: 'bug' });
      const updates = (await t.history(ticket.id)).filter((e) => e.action === 'updated');
      expect(updates.map((e) => e.actor)).toEqual([`system:automation:${first.id}`, `system:automation:${second.id}`]);
      expect(updates[0]!.changed_fields.sort()).toEqual(['assignee', 'customer_tier', 'tags']);
      // Everything committed is published by now: the low ticket was never touched.
      await publishedSoFar(svc, nats.url, STREAM);
      expect((await t.get(quiet.id)).version).toBe(1);
    });

    it('chain up to depth 3 and never run one rule twice in a chain', async () => {
      const t = on(svc.call, 'chains');
      const tagWhen = (has: string, add: string) => ({
        name: `${has} -> ${add}`,
        when: { event: 'updated', conditions: [{ field: 'tags', op: 'contains', value: has }] },
        actions: [{ add_tags: [add] }],
      });
      await t.rule({ name: 'start', when: { event: 'created' }, actions: [{ add_tags: ['a'] }] });
      await t.rule(tagWhen('a', 'b'));
      await t.rule(tagWhen('b', 'c'));
      await t.rule(tagWhen('c', 'd'));
      const ticket = await t.ticket();
      await waitFor(async () => (await t.get(ticket.id)).tags.includes('c'), 'the chain ran');
      // The fourth rule would be depth 4: it never runs, however long we look.
      await publishedSoFar(svc, nats.url, STREAM);
      await waitFor(async () => (await t.history(ticket.id)).length >= 5, 'history');
      expect((await t.get(ticket.id)).tags).toEqual(['a', 'b', 'c']);
    });

    it('record an action that cannot apply now in the audit log and go on', async () => {
      const t = on(svc.call, 'skips');
      const rule = await t.rule({
        name: 'resolve at once',
        when: { event: 'created' },
        actions: [{ transition: 'resolve', comment: 'too soon' }, { comment: { body: 'We got it', internal: false } }],
      });
      const ticket = await t.ticket();
      await waitFor(async () => (await t.history(ticket.id)).some((e) => e.action === 'commented'), 'the comment');
      const audit = await waitFor(async () => {
        const res = (await (await svc.call(`/api/v1/audit?ticket_id=${ticket.id}`, { headers: ADMIN, tenant: 'skips' })).json()) as Json;
        return res.items.find((e: Json) => e.action === 'automation_skipped');
      }, 'the skipped action audited');
      expect(audit).toMatchObject({ actor: `system:automation:${rule.id}`, detail: { reason: 'transition_not_enabled', action: 'transition' } });
      expect((await t.get(ticket.id)).status).toBe('new');
    });

    it('run on comments, transitions and SLA changes, each with its own fields', async () => {
      const t = on(svc.call, 'kinds');
      await t.rule({
        name: 'refunds',
        when: {
          event: 'commented',
          conditions: [
            { field: 'comment_internal', op: 'eq', value: false },
            { field: 'comment_body', op: 'contains', value: 'REFUND' },
          ],
        },
        actions: [{ add_tags: ['refund'] }],
      });
      await t.rule({
        name: 'started',
        when: { event: 'transitioned', conditions: [{ field: 'transition', op: 'eq', value: 'start_work' }] },
        actions: [{ comment: { body: 'Work started', internal: true } }],
      });
      await t.rule({
        name: 'breached',
        when: { event: 'sla_changed', conditions: [{ field: 'sla_state', op: 'eq', value: 'breached' }] },
        actions: [{ set: { priority: 'critical' } }],
      });
      const ticket = await t.ticket({ priority: 'low' });
      const call = (path: string, json: Json) => svc.call(`/api/v1/tickets/${ticket.id}${path}`, { method: 'POST', json, headers: AGENT, tenant: 'kinds' });
      expect((await call('/comments', { body: 'I want a refund', internal: false })).status).toBe(201);
      expect((await call('/transitions/assign', { assignee: 'dana' })).status).toBe(200);
      expect((await call('/transitions/start_work', {})).status).toBe(200);
      await svc.system.sla!.runOnce(new Date(Date.parse(ticket.created_at) + 30 * 24 * 3_600_000));
      const done = await waitFor(async () => {
        const now = await t.get(ticket.id);
        const notes = (await t.history(ticket.id)).filter((e) => e.action === 'commented' && e.actor.startsWith('system:automation:'));
        return now.tags.includes('refund') && now.priority === 'critical' && notes.length === 1 ? now : undefined;
      }, 'each kind of rule ran');
      expect(done.tags).toEqual(['refund']);
    });

    it('dry-run on a ticket without changing it', async () => {
      const t = on(svc.call, 'dry');
      const ticket = await t.ticket({ priority: 'high' });
      const rule = await t.rule({
        name: 'would',
        enabled: false,
        when: { event: 'updated', conditions: [{ field: 'priority', op: 'gte', value: 'high' }] },
        actions: [{ set: { priority: 'critical' } }, { transition: 'start_work' }],
      });
      const res = await svc.call(`/api/v1/automations/${rule.id}/test`, { method: 'POST', json: { ticket_id: ticket.id }, headers: ADMIN, tenant: 'dry' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        matched: true,
        actions: [
          { kind: 'fields', detail: { priority: 'critical' }, applies: true },
          { kind: 'transition', detail: { name: 'start_work', comment: '' }, applies: false },
        ],
      });
      expect((await t.get(ticket.id)).version).toBe(1);
      expect(
        (await svc.call(`/api/v1/automations/${rule.id}/test`, { method: 'POST', json: { ticket_id: 'nope' }, headers: ADMIN, tenant: 'dry' })).status,
      ).toBe(404);
    });
  });

  describe('idle rules', () => {
    it('fire once per ticket and entry into the status', async () => {
      const t = on(svc.call, 'idle');
      const rule = await t.rule({ name: 'nudge', when: { idle: { status: 'new', for: '2h' } }, actions: [{ comment: { body: 'Anyone?', internal: true } }] });
      const ticket = await t.ticket();
      const at = (hours: number) => new Date(Date.parse(ticket.created_at) + hours * 3_600_000);
      await svc.system.automations!.runOnce(at(1));
      expect((await t.get(ticket.id)).version).toBe(1);
      await svc.system.automations!.runOnce(at(3));
      await svc.system.automations!.runOnce(at(30));
      const comments = (await t.history(ticket.id)).filter((e) => e.action === 'commented');
      expect(comments.map((e) => e.actor)).toEqual([`system:automation:${rule.id}`]);
    });
  });

  describe('exactly once', () => {
    it('applies every action once through redelivered events and a SIGKILL with a restart', async () => {
      // A store and NATS server of its own: nothing else may take this test's events.
      const own = await flavour.fresh();
      const ownNats = await startTestNats();
      const stream = 'AUTOMATION_ONCE';
      const env = {
        ...own.env,
        NATS_URL: ownNats.url,
        STREAM_NAME: stream,
        DATA_DIR: tempDataDir(),
        CONSUMER_BACKOFF_BASE_MS: '50',
        CONSUMER_ACK_WAIT_MS: '2000',
      };
      let child = await spawnService(env);
      const t = on(child.call, 'once');
      const rule = await t.rule({
        name: 'triage',
        when: { event: 'created' },
        actions: [{ add_tags: ['seen'] }, { comment: { body: 'Thanks, we are on it', internal: false } }, { transition: 'assign' }, { assign: 'triage' }],
      });
      const tickets: Json[] = [];
      for (let i = 0; i < 20; i++) tickets.push(await t.ticket({ title: `t${i}` }));
      // Killed while the rules are (most likely) still at work on the last tickets.
      await child.kill();
      child = await spawnService(env);
      const again = on(child.call, 'once');
      // Redeliveries: every source event published again under a new message id.
      const created = (await readStream(ownNats.url, stream)).filter((e) => e.subject === 'once.ticket.ticket.event.created');
      const nc = await connect({ servers: ownNats.url });
      try {
        const js = jetstream(nc);
        for (const e of created) await js.publish(e.subject, toBinary(TicketEventSchema, e.event), { msgID: `again-${e.event.meta?.eventId}` });
        for (const ticket of tickets) {
          const done = await waitFor(
            async () => {
              const now = await again.get(ticket.id);
              return now.status === 'assigned' && now.tags.includes('seen') ? now : undefined;
            },
            `automation on ${ticket.id}`,
            60_000,
          );
          expect(done).toMatchObject({ assignee: 'triage', tags: ['seen'] });
        }
        // Every delivery, the copies included, has been handled and acknowledged.
        const jsm = await jetstreamManager(nc);
        await waitFor(
          async () => {
            const infos = await Promise.all(RULE_EVENTS.map((a) => jsm.consumers.info(stream, `automations_${a}`)));
            return infos.every((i) => i.num_pending === 0 && i.num_ack_pending === 0);
          },
          'the automations durables drained',
          60_000,
        );
      } finally {
        await nc.close();
      }
      await publishedSoFar(child, ownNats.url, stream);
      for (const ticket of tickets) {
        // Leaving new also fulfils the response target: that SLA metric event is the transition's.
        const byRule = (await again.history(ticket.id)).filter((e) => e.actor === `system:automation:${rule.id}` && e.action !== 'sla_changed');
        expect(byRule.map((e) => e.action).sort()).toEqual(['commented', 'transitioned', 'updated']);
      }
      await child.kill();
      await own.dispose();
      await ownNats.stop();
    }, 180_000);
  });
});
