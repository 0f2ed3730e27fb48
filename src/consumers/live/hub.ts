// The live component: streams each tenant's events to its WebSocket clients.
//
// One core NATS subscription per tenant with clients (made with the first, dropped with the last),
// on that tenant's exact event subjects: live alerts are "what happens now", with nothing to replay
// and no server-side consumer state per socket; JetStream publishes are ordinary NATS messages, so
// the subscription sees the relay's publishes in its order. A relay that republishes after a crash
// is seen twice here (the stream drops the copy, a core subscription cannot), so recent event ids
// are remembered per tenant. A client whose socket holds more than `maxBufferedBytes` unsent is
// dropped: it is not reading, and buffering for it without bound would exhaust the process.
import type { Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { type Principal, isStaff } from '../../domain/roles.js';
import { STREAM_SUBJECTS } from '../../events/subjects.js';
import type { Metrics } from '../../metrics.js';
import type { NatsLink } from '../../nats/link.js';
import { type LiveEvent, liveEvent } from './liveEvent.js';

export type LiveClient = {
  tenant: string;
  principal: Principal;
  send(text: string): void;
  /** Bytes queued on the socket and not yet written. */
  bufferedAmount(): number;
  /** Cuts the connection at once (a close frame would wait behind what it has not read). */
  drop(): void;
  /** Closes the connection with a close frame (shutdown). */
  close(code: number, reason: string): void;
};

export type LiveHub = {
  /**
   * Starts streaming the tenant's events to the client: `ready` settles once the server knows the
   * subscription (events published after it reach the client); `leave` is for when it goes.
   */
  join(client: LiveClient): { ready: Promise<void>; leave: () => void };
  clients(): number;
  stop(): Promise<void>;
};

const RECENT_IDS = 1024;

/** The tenant's own event subjects; `<tenant>.>` would also match other streams' subjects (a tenant may be called `dlq`). */
export const tenantSubjects = (tenant: string) => STREAM_SUBJECTS.map((s) => `${tenant}${s.slice(1)}`);

export function createLiveHub({ link, log, metrics, maxBufferedBytes }: { link: NatsLink; log: Logger; metrics: Metrics; maxBufferedBytes: number }): LiveHub {
  type Room = { clients: Set<LiveClient>; subs: Subscription[]; recent: Set<string>; ready: Promise<void> };
  const rooms = new Map<string, Room>();
  let stopped = false;

  const dropSlow = (client: LiveClient, room: Room) => {
    room.clients.delete(client);
    metrics.liveDropped.inc();
    log.warn(
      { operation: 'live', tenant: client.tenant, user: client.principal.id, buffered: client.bufferedAmount() },
      'live client dropped: not reading fast enough',
    );
    client.drop();
  };

  const deliver = (room: Room, event: LiveEvent) => {
    if (room.recent.has(event.eventId)) return;
    room.recent.add(event.eventId);
    if (room.recent.size > RECENT_IDS) room.recent.delete(room.recent.values().next().value!);
    for (const client of room.clients) {
      // A customer sees events of their own tickets only, and never an internal comment.
      if (!isStaff(client.principal) && (event.staffOnly || event.customerId === null || event.customerId !== client.principal.id)) continue;
      if (client.bufferedAmount() > maxBufferedBytes) dropSlow(client, room);
      else client.send(event.text);
    }
  };

  const subscribe = async (tenant: string, room: Room): Promise<void> => {
    await link.whenReady();
    const nc = link.current()?.nc;
    if (!nc || stopped || rooms.get(tenant) !== room) return;
    room.subs = tenantSubjects(tenant).map((subject) =>
      nc.subscribe(subject, {
        callback: (error, msg) => {
          if (error) return;
          const event = liveEvent(msg.subject, msg.data);
          // The subject names the tenant; the payload must agree before anything is sent.
          if (event && event.tenant === tenant) deliver(room, event);
        },
      }),
    );
    await nc.flush();
  };

  const leave = (client: LiveClient) => {
    const room = rooms.get(client.tenant);
    if (!room) return;
    room.clients.delete(client);
    if (room.clients.size === 0) {
      rooms.delete(client.tenant);
      for (const s of room.subs) s.unsubscribe();
    }
    metrics.liveClients.set(countClients());
  };

  const countClients = () => [...rooms.values()].reduce((n, r) => n + r.clients.size, 0);

  return {
    join(client) {
      let room = rooms.get(client.tenant);
      if (!room) {
        const fresh: Room = { clients: new Set(), subs: [], recent: new Set(), ready: Promise.resolve() };
        fresh.ready = subscribe(client.tenant, fresh).catch((err: unknown) =>
          log.error({ operation: 'live', tenant: client.tenant, err }, 'live subscription failed'),
        );
        rooms.set(client.tenant, fresh);
        room = fresh;
      }
      room.clients.add(client);
      metrics.liveClients.set(countClients());
      return { ready: room.ready, leave: () => leave(client) };
    },
    clients: countClients,
    async stop() {
      stopped = true;
      for (const room of rooms.values()) {
        for (const s of room.subs) s.unsubscribe();
        for (const client of room.clients) client.close(1001, 'server shutting down');
      }
      rooms.clear();
      metrics.liveClients.set(0);
    },
  };
}
