import { randomUUID } from 'node:crypto';
import { Rpcs, Service_Strategy } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { DateTime } from 'luxon';
import { createTestDatabase, type TestDatabase } from './database';
import { startInProcessService, type InProcessService } from './in-process-service';
import { testNatsUrl } from './nats';
import { waitFor } from './processes';
import { TestConnector } from './test-connector';

export const ZONE = 'UTC';
/** Three days ahead at a whole hour, so that notice and the clock never interfere. */
export const day = DateTime.now().setZone(ZONE).plus({ days: 3 }).startOf('day');
export const at = (hour: number, minute = 0) => day.set({ hour, minute }).toISO({ suppressMilliseconds: true })!;

export interface Stack {
  database: TestDatabase;
  routing: InProcessService;
  availability: InProcessService;
  bookings: InProcessService[];
  connector: TestConnector;
  client: Bus;
  stop(): Promise<void>;
}

/** Routing, availability and `instances` booking services on one fresh database, with a test connector. */
export async function startStack(instances = 1, env: Record<string, string> = {}): Promise<Stack> {
  const database = await createTestDatabase();
  const routing = await startInProcessService({ service: 'routing', databaseUrl: database.url });
  const availability = await startInProcessService({ service: 'availability', databaseUrl: database.url });
  const bookings: InProcessService[] = [];
  for (let i = 0; i < instances; i++)
    bookings.push(await startInProcessService({ service: 'booking', databaseUrl: database.url, env }));
  const connector = await TestConnector.start('test');
  const client = await Bus.connect({ url: await testNatsUrl(), service: 'test-client', requestTimeoutMs: 30_000 });
  const stack: Stack = {
    database,
    routing,
    availability,
    bookings,
    connector,
    client,
    // Closes the services the stack holds now: a test may have replaced one.
    async stop() {
      await client.drain();
      await connector.close();
      for (const booking of stack.bookings) await booking.close();
      await stack.availability.close();
      await stack.routing.close();
      await database.drop();
    },
  };
  return stack;
}

/** A tenant whose members work 9 to 5 every day, connected to the test connector. */
export async function team(
  stack: Stack,
  options: { size: number; strategy?: Service_Strategy; durationMinutes?: number; rules?: Record<string, number> },
) {
  const { client, connector } = stack;
  const { tenant } = await client.request(Rpcs.tenantsCreate, { name: `t-${randomUUID()}`, timeZone: ZONE });
  const tenantId = tenant!.id;
  const members: { id: string; bookingCalendarId: string }[] = [];
  for (let i = 0; i < options.size; i++) {
    const { member } = await client.request(Rpcs.membersCreate, { tenantId, name: `member ${i}`, timeZone: ZONE });
    const { bookingCalendarId } = await connector.connect(tenantId, member!.id);
    await client.request(Rpcs.availabilitySet, {
      tenantId,
      memberId: member!.id,
      weeklyHours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
      rules: options.rules,
    });
    members.push({ id: member!.id, bookingCalendarId });
  }
  const { service } = await client.request(Rpcs.servicesCreate, {
    tenantId,
    name: 'Consultation',
    durationMinutes: options.durationMinutes ?? 30,
    memberIds: members.map((m) => m.id),
    strategy: options.strategy ?? Service_Strategy.round_robin,
  });
  const serviceId = service!.id;
  for (const member of members) {
    await waitFor(
      async () =>
        (await client.request(Rpcs.slotsFind, { tenantId, serviceId, memberId: member.id, from: at(0), to: at(23) }))
          .slots.length > 0,
      { timeoutMs: 5_000 },
    );
  }
  return { tenantId, serviceId, members };
}

export const customer = { name: 'Ana Souza', phone: '+14155550123' };
export const key = () => `call-${randomUUID()}`;

/**
 * A half hour of `member`'s from `hour` on the test connector, as the booking service's repository
 * takes a new booking: for specs that write under a lock of their own.
 */
export function newBooking(
  { tenantId, serviceId }: { tenantId: string; serviceId: string },
  member: { id: string; bookingCalendarId: string },
  hour: number,
) {
  const [start, end] = [new Date(at(hour)), new Date(at(hour, 30))];
  return {
    id: randomUUID(),
    tenantId,
    serviceId,
    memberId: member.id,
    calendarId: member.bookingCalendarId,
    provider: 'test',
    start,
    end,
    heldStart: start,
    heldEnd: end,
    customerName: customer.name,
    customerPhone: customer.phone,
  };
}
