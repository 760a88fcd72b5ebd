import { randomUUID } from 'node:crypto';
import { bookingReplyWaitMs } from '@calldesk/config';
import { inboxPrefix, Rpcs } from '@calldesk/contracts';
import { connect, ErrorCode, Events, NatsError, type NatsConnection } from 'nats';
import type { Tenant, World } from './world';

/** Booking's BOOKING_DEADLINE_MS in the chaos run: the default, as production runs it. */
export const BOOKING_DEADLINE_MS = 45_000;

/** How long a caller waits: slots.find as long as the gateway does (NATS_REQUEST_TIMEOUT_MS), a booking as the contract says. */
export const DEADLINES = { find: 5_000, book: bookingReplyWaitMs({ BOOKING_DEADLINE_MS }) };

export type Operation = keyof typeof DEADLINES;
/** How long a caller waits for one answer before asking again, as the typed client (libs/client) does. */
const ATTEMPT_MS = 10_000;

/**
 * One call as its caller saw it. `answer` is the outcome (`slots`, `confirmed`, `conflict`), the
 * error code of an error reply (NATS's "no responders" is `unavailable`: nobody serves it), or
 * `deadline_exceeded` without a reply when the caller's deadline passed first, as libs/client
 * reports it.
 */
export interface Call {
  op: Operation;
  startedAt: number;
  endedAt: number;
  answer: string;
  /** An error reply's message. */
  message?: string;
  /** Times the caller sent it again because its own connection dropped while it waited. */
  resent: number;
  /** Whether the system replied: false when the caller's own deadline was its answer. */
  replied: boolean;
}

export const OUTCOMES = new Set(['slots', 'confirmed', 'conflict']);

export interface Load {
  /** Callers in a closed loop: each makes a call, then the next. */
  callers?: number;
  /** Or sessions arriving at this rate whatever the answers' speed (an open loop, for the soak). */
  perSecond?: number;
  /** A closed-loop caller's pause between sessions. */
  thinkMs?: number;
  /** No more sessions than this, whatever the time. */
  maxSessions?: number;
}

const MAX_IN_FLIGHT = 2_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The AI receptionists: sessions of a slots.find and then a bookings.create of one of the slots
 * offered (half of them naming its member, as a caller who heard "with Dana" would), in plain
 * NATS request/reply with JSON bodies, as any client of the contract calls. Three connections,
 * each starting at another node. A call that was waiting when its connection dropped is sent
 * again (with the same idempotency key) once it is back, since its answer may have been lost
 * with the connection; every other failure is the call's answer.
 */
export interface LoadRun {
  /** Every call of this run so far, in the order they ended. */
  calls: Call[];
  /** Stops starting sessions and waits for those under way. */
  stop(): Promise<void>;
}

export class Callers {
  private constructor(private readonly links: Link[]) {}

  /** Connected as `identity` (the orchestrator's user), with that role's inbox. */
  static async connect(urls: string[], identity: { user: string; password: string }): Promise<Callers> {
    const links = await Promise.all(
      urls.map(async (_, i) => {
        const servers = [...urls.slice(i), ...urls.slice(0, i)];
        return new Link(
          await connect({
            servers,
            noRandomize: true,
            maxReconnectAttempts: -1,
            reconnectTimeWait: 250,
            name: `chaos-callers-${i + 1}`,
            user: identity.user,
            pass: identity.password,
            inboxPrefix: inboxPrefix(identity.user),
          }),
        );
      }),
    );
    return new Callers(links);
  }

  /** Starts the load on `world`. */
  start(world: World, load: Load): LoadRun {
    const calls: Call[] = [];
    let stopped = false;
    let sessions = 0;
    const underWay = new Set<Promise<void>>();
    const more = () => !stopped && sessions < (load.maxSessions ?? Number.MAX_SAFE_INTEGER);
    const begin = () => {
      const link = this.links[sessions++ % this.links.length];
      const session = this.session(link, world, calls).finally(() => underWay.delete(session));
      underWay.add(session);
      return session;
    };
    const loops: Promise<void>[] = [];
    if (load.perSecond) {
      loops.push(
        (async () => {
          const began = Date.now();
          while (more()) {
            if (underWay.size < MAX_IN_FLIGHT) void begin();
            await sleep(Math.max(0, began + (sessions * 1_000) / load.perSecond! - Date.now()));
          }
        })(),
      );
    }
    for (let i = 0; i < (load.callers ?? 0); i++) {
      loops.push(
        (async () => {
          while (more()) {
            await begin();
            await sleep(load.thinkMs ?? 0);
          }
        })(),
      );
    }
    return {
      calls,
      stop: async () => {
        stopped = true;
        await Promise.all(loops);
        await Promise.all([...underWay]);
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.links.map((link) => link.connection.close()));
  }

  private async session(link: Link, world: World, calls: Call[]): Promise<void> {
    const tenant = pick(world.tenants);
    const from = world.from.plus({ days: Math.floor(Math.random() * world.days) });
    const find = await this.call(calls, link, 'find', Rpcs.slotsFind.subject, {
      tenantId: tenant.tenantId,
      serviceId: tenant.serviceId,
      ...(Math.random() < 0.3 ? { memberId: pick(tenant.members).memberId } : {}),
      from: from.toISO(),
      to: from.plus({ days: 2 }).toISO(),
      limit: 10,
      timeZone: 'UTC',
    });
    const slots = (find?.slots ?? []) as { start: string; memberId: string }[];
    if (!slots.length) return;
    const slot = pick(slots.slice(0, 5));
    await this.call(calls, link, 'book', Rpcs.bookingsCreate.subject, booking(tenant, slot));
  }

  /** Sends one call and records what its caller got; answers the reply's body when there was one. */
  private async call(calls: Call[], link: Link, op: Operation, subject: string, body: object): Promise<any> {
    const startedAt = Date.now();
    const deadline = startedAt + DEADLINES[op];
    const data = encoder.encode(JSON.stringify(body));
    let resent = 0;
    const record = (answer: string, reply?: any, message?: string) => {
      calls.push({ op, startedAt, endedAt: Date.now(), answer, message, resent, replied: true });
      return reply;
    };
    const unanswered = () => {
      const message = `no reply within ${DEADLINES[op]} ms`;
      calls.push({ op, startedAt, endedAt: Date.now(), answer: 'deadline_exceeded', message, resent, replied: false });
    };
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return unanswered();
      const sentConnected = link.connected;
      const lost = link.lost;
      const reply = link.connection.request(subject, data, { timeout: Math.min(left, ATTEMPT_MS) }).then(
        (message) => ({ message }),
        (error: unknown) => ({ error }),
      );
      // A call sent while disconnected waits in the client's buffer and goes out on reconnecting.
      const first = await (sentConnected ? Promise.race([reply, lost.then(() => 'lost' as const)]) : reply);
      if (first === 'lost') {
        await Promise.race([link.back, sleep(deadline - Date.now())]);
        resent++;
        continue;
      }
      if ('error' in first) {
        const code = first.error instanceof NatsError ? first.error.code : undefined;
        if (code === ErrorCode.NoResponders)
          return record('unavailable', undefined, 'no responders: nobody subscribed to the subject');
        if (code === ErrorCode.Timeout) {
          // A reply lost with a dying server or pod: asked again, as the typed client does (the
          // same idempotency key is answered with the first run's answer, waiting while it runs).
          if (deadline - Date.now() <= 0) return unanswered();
          resent++;
          continue;
        }
        // The connection closed under the request: as lost, once it is back.
        await Promise.race([link.back, sleep(Math.max(0, deadline - Date.now()))]);
        resent++;
        continue;
      }
      const answer = JSON.parse(decoder.decode(first.message.data));
      if (answer.error) return record(answer.error.code ?? 'unknown', undefined, answer.error.message);
      return record(op === 'find' ? 'slots' : answer.outcome, answer);
    }
  }
}

/** One connection, and promises for its next drop and its next return. */
class Link {
  connected = true;
  lost!: Promise<void>;
  back!: Promise<void>;
  private drop!: () => void;
  private return!: () => void;

  constructor(readonly connection: NatsConnection) {
    this.arm();
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === Events.Disconnect && this.connected) {
          this.connected = false;
          this.drop();
        } else if (status.type === Events.Reconnect && !this.connected) {
          this.connected = true;
          this.return();
          this.arm();
        }
      }
    })();
  }

  private arm(): void {
    this.lost = new Promise((resolve) => (this.drop = resolve));
    this.back = new Promise((resolve) => (this.return = resolve));
  }
}

function booking(tenant: Tenant, slot: { start: string; memberId: string }): object {
  return {
    idempotencyKey: randomUUID(),
    tenantId: tenant.tenantId,
    serviceId: tenant.serviceId,
    ...(Math.random() < 0.5 ? { memberId: slot.memberId } : {}),
    start: slot.start,
    customer: { name: 'Chaos Caller', phone: '+14155550123' },
  };
}

function pick<T>(items: T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
