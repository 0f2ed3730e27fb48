// The behaviour every adapter of the consumers' store must have: one suite, run per adapter.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry, ConsumerStore, Webhook } from '../../src/store/consumerPort.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

export function consumerStoreContract(name: string, open: () => Promise<{ store: ConsumerStore; dispose(): Promise<void> }>) {
  describe(`${name} consumer store contract`, () => {
    let store: ConsumerStore;
    let dispose: () => Promise<void>;

    beforeEach(async () => {
      ({ store, dispose } = await open());
    });
    afterEach(async () => {
      await dispose();
    });

    const entry = (eventId: string, over: Partial<AuditEntry> = {}): AuditEntry => ({
      eventId,
      tenant: 'acme',
      ticketId: 't-1',
      ticketVersion: 1,
      actor: 'bob',
      action: 'created',
      subject: 'acme.ticket.ticket.event.created',
      correlationId: 'c',
      occurredAt: iso(T0),
      recordedAt: iso(T0),
      detail: { changed_fields: ['title'] },
      ...over,
    });

    it('remembers which events a consumer processed, per consumer', async () => {
      expect(await store.isProcessed('audit', 'e-1')).toBe(false);
      await store.markProcessed('audit', 'e-1', iso(T0));
      await store.markProcessed('audit', 'e-1', iso(T0 + 1));
      expect(await store.isProcessed('audit', 'e-1')).toBe(true);
      expect(await store.isProcessed('notify', 'e-1')).toBe(false);
    });

    it('appends each event to the audit log once, however often it is appended', async () => {
      expect(await store.appendAudit(entry('e-1'))).toBe(true);
      expect(await store.appendAudit(entry('e-1', { actor: 'someone else' }))).toBe(false);
      await store.appendAudit(entry('e-2', { actor: 'carol', ticketId: 't-2', occurredAt: iso(T0 + MINUTE) }));
      await store.appendAudit(entry('e-3', { tenant: 'globex' }));
      const log = await store.audit('acme', { limit: 10 });
      expect(log.map((e) => [e.eventId, e.actor])).toEqual([
        ['e-2', 'carol'],
        ['e-1', 'bob'],
      ]);
      expect(log[1]!.detail).toEqual({ changed_fields: ['title'] });
    });

    it('filters the audit log by ticket, actor and time, and pages it by sequence', async () => {
      for (let i = 1; i <= 5; i++)
        await store.appendAudit(entry(`e-${i}`, { actor: i % 2 ? 'bob' : 'carol', ticketId: `t-${i % 2}`, occurredAt: iso(T0 + i * MINUTE) }));
      expect((await store.audit('acme', { limit: 10, actor: 'carol' })).map((e) => e.eventId)).toEqual(['e-4', 'e-2']);
      expect((await store.audit('acme', { limit: 10, ticketId: 't-1' })).map((e) => e.eventId)).toEqual(['e-5', 'e-3', 'e-1']);
      expect((await store.audit('acme', { limit: 10, since: iso(T0 + 4 * MINUTE) })).map((e) => e.eventId)).toEqual(['e-5', 'e-4']);
      const first = await store.audit('acme', { limit: 2 });
      const next = await store.audit('acme', { limit: 2, beforeSeq: first[1]!.seq });
      expect([...first, ...next].map((e) => e.eventId)).toEqual(['e-5', 'e-4', 'e-3', 'e-2']);
    });

    it('keeps webhooks per tenant, secret included for signing, and deletes them', async () => {
      const hook: Webhook = {
        tenant: 'acme',
        id: 'w-1',
        name: 'ops',
        url: 'https://example.com/h',
        events: ['notification.event.requested'],
        secret: 's'.repeat(16),
        createdAt: iso(T0),
      };
      await store.addWebhook(hook);
      expect(await store.webhooks('acme')).toEqual([hook]);
      expect(await store.webhooks('globex')).toEqual([]);
      expect(await store.deleteWebhook('globex', 'w-1')).toBe(false);
      expect(await store.deleteWebhook('acme', 'w-1')).toBe(true);
      expect(await store.webhooks('acme')).toEqual([]);
    });

    describe('the notification dedupe window (5 minutes)', () => {
      const claim = (eventId: string, atMs: number, over: { ticketId?: string; reason?: string; tenant?: string } = {}) =>
        store.claimNotification({
          tenant: over.tenant ?? 'acme',
          ticketId: over.ticketId ?? 't-1',
          reason: over.reason ?? 'severity_keyword',
          eventId,
          at: iso(atMs),
          notBefore: iso(atMs - 5 * MINUTE),
        });

      it('lets the first notification for a ticket and reason through', async () => {
        expect(await claim('e-1', T0)).toBe(true);
      });

      it('holds back another one for the same ticket and reason within 5 minutes', async () => {
        await claim('e-1', T0);
        expect(await claim('e-2', T0 + MINUTE)).toBe(false);
        expect(await claim('e-3', T0 + 5 * MINUTE - 1)).toBe(false);
      });

      it('lets a retry of the same event through', async () => {
        await claim('e-1', T0);
        expect(await claim('e-1', T0 + MINUTE)).toBe(true);
      });

      it('lets one through again once 5 minutes have passed', async () => {
        await claim('e-1', T0);
        expect(await claim('e-2', T0 + 5 * MINUTE + 1)).toBe(true);
        expect(await claim('e-3', T0 + 6 * MINUTE)).toBe(false);
      });

      it('keeps tickets, reasons and tenants apart', async () => {
        await claim('e-1', T0);
        expect(await claim('e-2', T0, { ticketId: 't-2' })).toBe(true);
        expect(await claim('e-3', T0, { reason: 'sla_changed' })).toBe(true);
        expect(await claim('e-4', T0, { tenant: 'globex' })).toBe(true);
      });
    });
  });
}
