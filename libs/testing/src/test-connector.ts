import { randomUUID } from 'node:crypto';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  Connection_Status,
  ConnectionStatusChangedSchema,
  connectorRpcs,
  Events,
  RpcError,
  type ConnectionStatusChanged,
  type EventReplySchema,
  type EventWrite,
} from '@calldesk/contracts';
import { Bus, type NatsIdentity } from '@calldesk/messaging';
import { testNatsUrl } from './nats';

export interface TestEvent {
  eventId: string;
  calendarId: string;
  start: string;
  end: string;
  /** Set on the events our booking service writes. */
  bookingId?: string;
  /** A transparent (free) event does not block. */
  transparent?: boolean;
  title?: string;
  description?: string;
}

interface TestCalendar {
  calendarId: string;
  tenantId: string;
  memberId: string;
  role: 'booking' | 'blocking';
}

/** How the connector answers for a member: normally, too late, or as a provider error would. */
export type Behaviour = 'ok' | 'timeout' | 'unavailable' | 'needs_reauth';

export type ProviderOperation = 'busy' | 'create' | 'update' | 'delete' | 'find';

/**
 * How the connector reaches its provider. Without one, every call is answered at once; a
 * realistic provider (scripts/chaos/realistic-provider.ts) adds latency, faults and the retries a
 * real connector makes around them.
 */
export interface ProviderCalls {
  /** One provider call for `memberId`'s account: `work` is what the provider does when the request reaches it. */
  call<T>(memberId: string, operation: ProviderOperation, work: () => T): Promise<T>;
  /** Sends calendar.changed: a real connector hears of a change by push, apart from the call that made it. */
  announce(publish: () => Promise<void>): Promise<void>;
}

/**
 * A connector that speaks the connector contract (calendar.internal.connector.<provider>.*) over
 * real NATS, with in-memory calendars. Tests add and move events as a calendar owner would;
 * every change publishes calendar.changed, as a real connector does after a push.
 */
export class TestConnector {
  readonly calendars = new Map<string, TestCalendar>();
  readonly events = new Map<string, TestEvent>();
  /** Event ids by calendar: busy questions read one calendar, not every event there is. */
  private readonly byCalendar = new Map<string, Set<string>>();
  /** Every busy request, so tests can tell cached answers from fresh ones. */
  readonly busyRequests: { memberId: string; fresh: boolean }[] = [];
  private readonly behaviour = new Map<string, Behaviour>();
  /** Each connection's status as last said on the stream, by connection id: what `.connections` answers. */
  private readonly connections = new Map<string, ConnectionStatusChanged>();
  /** Answers held back by 'timeout', released at close so the connector can drain. */
  private readonly heldBack = new Set<() => void>();
  /** Runs before an event is written, e.g. to make the provider slow or failing. */
  beforeCreate?: (write: EventWrite) => Promise<void>;
  /** Runs after an event is written and before the answer, e.g. to crash the caller at that moment. */
  afterCreate?: (write: EventWrite) => Promise<void>;
  /** Every event write, in order, to prove what was (not) sent to the provider. */
  readonly writes: EventWrite[] = [];
  /** Set to put latency, faults and retries between the connector and its calendars. */
  providerCalls?: ProviderCalls;

  private constructor(
    readonly bus: Bus,
    readonly provider: string,
  ) {}

  /** `identity`: the NATS user it connects as, where the server has users (the chaos run's cluster). */
  static async start(provider = 'test', identity?: NatsIdentity): Promise<TestConnector> {
    const bus = await Bus.connect({
      url: await testNatsUrl(),
      service: `connector-${provider}`,
      requestTimeoutMs: 5_000,
      identity,
    });
    const connector = new TestConnector(bus, provider);
    connector.serve();
    await bus.connection.flush();
    return connector;
  }

  /** Connects a member with a booking calendar and any blocking ones, and says so on the stream. */
  async connect(
    tenantId: string,
    memberId: string,
    blockingCalendars = 0,
  ): Promise<{ bookingCalendarId: string; blockingCalendarIds: string[] }> {
    const bookingCalendarId = `cal-${randomUUID()}`;
    this.calendars.set(bookingCalendarId, { calendarId: bookingCalendarId, tenantId, memberId, role: 'booking' });
    const blockingCalendarIds = Array.from({ length: blockingCalendars }, () => {
      const calendarId = `cal-${randomUUID()}`;
      this.calendars.set(calendarId, { calendarId, tenantId, memberId, role: 'blocking' });
      return calendarId;
    });
    await this.publishStatus(tenantId, memberId, Connection_Status.connected);
    return { bookingCalendarId, blockingCalendarIds };
  }

  async setBehaviour(tenantId: string, memberId: string, behaviour: Behaviour): Promise<void> {
    this.behaviour.set(memberId, behaviour);
    if (behaviour === 'needs_reauth') await this.publishStatus(tenantId, memberId, Connection_Status.needs_reauth);
  }

  /** An event the owner adds in their calendar app. */
  async addEvent(calendarId: string, event: Omit<TestEvent, 'eventId' | 'calendarId'>): Promise<TestEvent> {
    const stored = { ...event, calendarId, eventId: `ev-${randomUUID()}` };
    this.store(stored);
    await this.changed(calendarId);
    return stored;
  }

  /** Events that were there before anyone asked: stored without a change notice, for benchmarks. */
  seed(calendarId: string, events: Omit<TestEvent, 'eventId' | 'calendarId'>[]): void {
    for (const event of events) {
      const stored = { ...event, calendarId, eventId: `ev-${randomUUID()}` };
      this.store(stored);
    }
  }

  /** The owner drags an event to another time in their calendar app. */
  async moveEvent(eventId: string, start: string, end: string): Promise<void> {
    const event = this.events.get(eventId);
    if (!event) throw new Error(`no event ${eventId}`);
    Object.assign(event, { start, end });
    await this.changed(event.calendarId);
  }

  async removeEvent(eventId: string): Promise<void> {
    const event = this.events.get(eventId);
    this.forget(eventId);
    if (event) await this.changed(event.calendarId);
  }

  eventsOf(calendarId: string): TestEvent[] {
    return [...(this.byCalendar.get(calendarId) ?? [])].map((id) => this.events.get(id)!);
  }

  async close(): Promise<void> {
    this.heldBack.forEach((release) => release());
    await this.bus.drain();
  }

  private serve(): void {
    const rpcs = connectorRpcs(this.provider);
    this.bus.serve(rpcs.busy, async (request) => {
      this.busyRequests.push({ memberId: request.memberId, fresh: request.fresh });
      await this.obey(request.memberId);
      const from = Date.parse(request.from);
      const to = Date.parse(request.to);
      const calendars = await this.viaProvider(request.memberId, 'busy', () =>
        this.calendarsOf(request.memberId).map((calendar) => ({
          calendarId: calendar.calendarId,
          role: calendar.role,
          busy: this.eventsOf(calendar.calendarId)
            .filter((e) => !e.transparent && Date.parse(e.start) < to && Date.parse(e.end) > from)
            .map((e) => ({ start: e.start, end: e.end, bookingId: e.bookingId })),
        })),
      );
      return { calendars, asOf: new Date().toISOString() };
    });
    this.bus.serve(rpcs.calendars, async (request) => ({
      calendars: this.calendarsOf(request.memberId).map((c) => ({
        calendarId: c.calendarId,
        role: c.role,
        timeZone: 'UTC',
        connectionId: `conn-${c.memberId}`,
      })),
    }));
    this.bus.serve(rpcs.createEvent, async (write) => {
      const calendar = this.writableCalendar(write.calendarId);
      await this.obey(calendar.memberId);
      this.writes.push(write);
      await this.beforeCreate?.(write);
      const { event, existed } = await this.viaProvider(calendar.memberId, 'create', () => {
        // Ids derive from the booking id, so a retried create finds the first one (as Google's 409 duplicate does).
        const existing = this.findByBooking(write.calendarId, write.bookingId);
        if (existing) return { event: existing, existed: true };
        const created: TestEvent = {
          eventId: eventIdFor(write.bookingId),
          calendarId: write.calendarId,
          bookingId: write.bookingId,
          start: write.start,
          end: write.end,
          title: write.title,
          description: write.description,
        };
        this.store(created);
        return { event: created, existed: false };
      });
      if (existed) return reply(event);
      await this.afterCreate?.(write);
      // A real connector's push (or its own write) tells availability the calendar changed.
      await this.changed(write.calendarId);
      return reply(event);
    });
    this.bus.serve(rpcs.updateEvent, async (write) => {
      const calendar = this.writableCalendar(write.calendarId);
      await this.obey(calendar.memberId);
      const event = await this.viaProvider(calendar.memberId, 'update', () => {
        const found = this.findByBooking(write.calendarId, write.bookingId);
        if (!found) throw new RpcError('not_found', `no event for booking ${write.bookingId}`);
        return Object.assign(found, {
          start: write.start,
          end: write.end,
          title: write.title,
          description: write.description,
        });
      });
      await this.changed(write.calendarId);
      return reply(event);
    });
    this.bus.serve(rpcs.deleteEvent, async (ref) => {
      const calendar = this.writableCalendar(ref.calendarId);
      await this.obey(calendar.memberId);
      const event = await this.viaProvider(calendar.memberId, 'delete', () => {
        const found = this.findByBooking(ref.calendarId, ref.bookingId);
        if (found) this.forget(found.eventId);
        return found;
      });
      if (event) await this.changed(ref.calendarId);
      return { found: Boolean(event) };
    });
    this.bus.serve(rpcs.connections, async (request) => {
      const ids = [...this.connections.keys()].sort().filter((id) => !request.pageToken || id > request.pageToken);
      const page = ids.slice(0, request.pageSize ?? 100);
      return {
        connections: page.map((id) => this.connections.get(id)!),
        nextPageToken: ids.length > page.length ? page[page.length - 1] : undefined,
      };
    });
    this.bus.serve(rpcs.findEvent, async (ref) => {
      const calendar = this.calendars.get(ref.calendarId);
      if (!calendar) return { found: false };
      const event = await this.viaProvider(calendar.memberId, 'find', () =>
        this.findByBooking(ref.calendarId, ref.bookingId),
      );
      return event ? reply(event) : { found: false };
    });
  }

  private viaProvider<T>(memberId: string, operation: ProviderOperation, work: () => T): Promise<T> {
    return this.providerCalls ? this.providerCalls.call(memberId, operation, work) : Promise.resolve().then(work);
  }

  private store(event: TestEvent): void {
    this.events.set(event.eventId, event);
    if (!this.byCalendar.has(event.calendarId)) this.byCalendar.set(event.calendarId, new Set());
    this.byCalendar.get(event.calendarId)!.add(event.eventId);
  }

  private forget(eventId: string): void {
    const event = this.events.get(eventId);
    this.events.delete(eventId);
    if (event) this.byCalendar.get(event.calendarId)?.delete(eventId);
  }

  private async obey(memberId: string): Promise<void> {
    switch (this.behaviour.get(memberId) ?? 'ok') {
      case 'timeout':
        await new Promise<void>((resolve) => this.heldBack.add(resolve));
        throw new RpcError('unavailable', 'the provider did not answer');
      case 'unavailable':
        throw new RpcError('unavailable', 'the provider did not answer');
      case 'needs_reauth':
        throw new RpcError('failed_precondition', 'the connection needs reauthorization', { reason: 'needs_reauth' });
    }
  }

  private calendarsOf(memberId: string): TestCalendar[] {
    return [...this.calendars.values()].filter((c) => c.memberId === memberId);
  }

  private writableCalendar(calendarId: string): TestCalendar {
    const calendar = this.calendars.get(calendarId);
    if (!calendar) throw RpcError.notFound('calendar', calendarId);
    return calendar;
  }

  private findByBooking(calendarId: string, bookingId: string): TestEvent | undefined {
    return this.events.get(eventIdFor(bookingId))?.calendarId === calendarId
      ? this.events.get(eventIdFor(bookingId))
      : undefined;
  }

  private async changed(calendarId: string): Promise<void> {
    const calendar = this.calendars.get(calendarId)!;
    const publish = async () => {
      await this.bus.events.publish(
        Events.calendarChanged,
        {
          tenantId: calendar.tenantId,
          memberId: calendar.memberId,
          calendarId,
          provider: this.provider,
          changedAt: new Date().toISOString(),
        },
        randomUUID(),
      );
    };
    await (this.providerCalls ? this.providerCalls.announce(publish) : publish());
  }

  private async publishStatus(tenantId: string, memberId: string, status: Connection_Status): Promise<void> {
    const connection = create(ConnectionStatusChangedSchema, {
      tenantId,
      memberId,
      connectionId: `conn-${memberId}`,
      provider: this.provider,
      status,
    });
    this.connections.set(connection.connectionId, connection);
    await this.bus.events.publish(Events.connectionStatus, connection, randomUUID());
  }
}

function eventIdFor(bookingId: string): string {
  return `cd${bookingId.replace(/-/g, '')}`;
}

function reply(event: TestEvent): MessageInitShape<typeof EventReplySchema> {
  return {
    found: true,
    event: {
      eventId: event.eventId,
      calendarId: event.calendarId,
      bookingId: event.bookingId ?? '',
      start: event.start,
      end: event.end,
    },
  };
}
