import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  BookingOutcome_Outcome,
  healthRpc,
  inboxPrefix,
  NATS_ROLES,
  Rpcs,
  Service_Strategy,
  SERVICES,
  type NatsRole,
} from '@calldesk/contracts';
import { Bus, natsServerAuthorization } from '@calldesk/messaging';
import {
  createTestDatabase,
  freePort,
  startCaldavServer,
  startPrivateNatsServer,
  startService,
  waitFor,
  type CaldavTestServer,
  type PrivateNatsServer,
  type ServiceProcess,
  type TestDatabase,
} from '@calldesk/testing';
import { DateTime } from 'luxon';
import { connect, Events, type NatsConnection, type Status } from 'nats';

jest.setTimeout(90_000);

const ZONE = 'America/New_York';
const day = DateTime.now().setZone(ZONE).plus({ days: 2 }).startOf('day');
const encoder = new TextEncoder();

/**
 * DESIGN §2, callers are identified: a nats-server with the users and permissions we generate,
 * every service on its own credentials, and the outside roles kept to their subjects.
 */
describe('NATS identities and permissions (a nats-server with the generated config)', () => {
  const passwords = Object.fromEntries(
    NATS_ROLES.map((role) => [role, randomBytes(18).toString('base64url')]),
  ) as Record<NatsRole, string>;
  let configDir: string;
  let nats: PrivateNatsServer;
  let database: TestDatabase;
  let radicale: CaldavTestServer;
  const processes: ServiceProcess[] = [];
  const buses: Bus[] = [];
  const raws: NatsConnection[] = [];

  /** A client of a role, as the orchestrator's or the operator's code would connect. */
  const client = async (role: NatsRole) => {
    const bus = await Bus.connect({
      url: nats.url,
      service: role,
      requestTimeoutMs: 15_000,
      identity: { user: role, password: passwords[role] },
    });
    buses.push(bus);
    return bus;
  };

  /** A plain nats.js connection of a role, with the server's errors to it collected. */
  const rawClient = async (role: NatsRole) => {
    const connection = await connect({
      servers: nats.url,
      user: role,
      pass: passwords[role],
      inboxPrefix: inboxPrefix(role),
    });
    raws.push(connection);
    const errors: Status[] = [];
    void (async () => {
      for await (const status of connection.status()) if (status.type === Events.Error) errors.push(status);
    })();
    return { connection, errors };
  };

  beforeAll(async () => {
    configDir = await mkdtemp(path.join(tmpdir(), 'calldesk-nats-auth-'));
    const configFile = path.join(configDir, 'nats.conf');
    await writeFile(
      configFile,
      natsServerAuthorization((role) => ({ value: passwords[role] })),
    );
    [nats, database, radicale] = await Promise.all([
      startPrivateNatsServer({ configFile }),
      createTestDatabase(),
      startCaldavServer('radicale'),
    ]);
    const port = await freePort();
    const shared = {
      LOG_LEVEL: 'warn',
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      PORT: String(port),
      CREDENTIALS_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      CREDENTIALS_ACTIVE_KEY_ID: 'k1',
      CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
    };
    processes.push(
      ...(await Promise.all(
        SERVICES.map((service) =>
          startService(service, { ...shared, NATS_USER: service, NATS_PASSWORD: passwords[service] }),
        ),
      )),
    );
    const gateway = await client('gateway');
    await waitFor(
      async () => {
        const answers = await Promise.all(
          SERVICES.map((service) =>
            gateway.request(healthRpc(service), {}, { timeoutMs: 1_000 }).catch(() => undefined),
          ),
        );
        return answers.every((health) => health?.ok);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.drain()));
    await Promise.all(raws.map((connection) => connection.close()));
    await Promise.all(processes.map((process) => process.stop()));
    await radicale?.close();
    await database?.drop();
    await nats?.stop();
    await rm(configDir, { recursive: true, force: true });
  });

  it('refuses an anonymous connection, and a wrong password', async () => {
    await expect(connect({ servers: nats.url, reconnect: false })).rejects.toThrow(/Authorization Violation/i);
    await expect(
      connect({ servers: nats.url, user: 'orchestrator', pass: 'not-the-password', reconnect: false }),
    ).rejects.toThrow(/Authorization Violation/i);
  });

  it('books end to end with every service on its own credentials: the operator sets up, the orchestrator finds and books', async () => {
    const operator = await client('operator');
    const orchestrator = await client('orchestrator');
    const { tenant } = await operator.request(Rpcs.tenantsCreate, { name: `t-${randomUUID()}`, timeZone: ZONE });
    const tenantId = tenant!.id;
    const { member } = await operator.request(Rpcs.membersCreate, { tenantId, name: 'Dana', timeZone: ZONE });
    const memberId = member!.id;
    await operator.request(Rpcs.availabilitySet, {
      tenantId,
      memberId,
      weeklyHours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
    });
    const { service } = await operator.request(Rpcs.servicesCreate, {
      tenantId,
      name: 'Consultation',
      durationMinutes: 60,
      memberIds: [memberId],
      strategy: Service_Strategy.specific,
    });
    const calendarUrl = await radicale.makeCalendar(`work-${randomUUID().slice(0, 8)}`, {
      name: 'Work',
      timeZone: ZONE,
    });
    await operator.request(Rpcs.connectionsConnect, {
      tenantId,
      memberId,
      provider: 'caldav',
      serverUrl: radicale.url,
      username: radicale.username,
      password: radicale.password,
    });

    const find = () =>
      orchestrator.request(Rpcs.slotsFind, {
        tenantId,
        serviceId: service!.id,
        from: day.toISO()!,
        to: day.plus({ days: 1 }).toISO()!,
        limit: 5,
      });
    await waitFor(async () => (await find()).slots.length > 0, { timeoutMs: 10_000 });
    const [slot] = (await find()).slots;
    const outcome = await orchestrator.request(Rpcs.bookingsCreate, {
      idempotencyKey: randomUUID(),
      tenantId,
      serviceId: service!.id,
      start: slot.start,
      customer: { name: 'Ada Caller', phone: '+15555550123' },
    });
    expect(outcome).toMatchObject({ outcome: BookingOutcome_Outcome.confirmed, booking: { memberId } });
    expect((await radicale.client.list(calendarUrl)).some((object) => object.data.includes(outcome.booking!.id))).toBe(
      true,
    );
    await expect(
      orchestrator.request(Rpcs.bookingsGet, { tenantId, bookingId: outcome.booking!.id }),
    ).resolves.toMatchObject({ booking: { id: outcome.booking!.id } });

    // Nothing any service did on the way was refused by the server.
    const refused = processes.flatMap((process) =>
      process
        .logs()
        .filter((line) => /NATS server error|permission/i.test(line))
        .map((line) => `${process.name}: ${line}`),
    );
    expect(refused).toEqual([]);
  });

  it('keeps the orchestrator to slots and bookings: no admin subject, no internal one, no wildcard listening', async () => {
    const { connection, errors } = await rawClient('orchestrator');
    const refusedPublish = (subject: string) =>
      errors.some(
        (status) => status.permissionContext?.operation === 'publish' && status.permissionContext.subject === subject,
      );
    for (const subject of [
      Rpcs.tenantsCreate.subject,
      Rpcs.tenantsList.subject,
      Rpcs.connectionsConnect.subject,
      'calendar.internal.availability.check',
      'calendar.v1.events.booking.confirmed',
    ]) {
      await expect(
        connection.request(subject, encoder.encode('{"name":"x","timeZone":"UTC"}'), { timeout: 500 }),
      ).rejects.toThrow();
      await waitFor(() => refusedPublish(subject), { timeoutMs: 2_000 });
    }
    for (const subject of [
      '>',
      'calendar.internal.>',
      'calendar.v1.admin.>',
      '_INBOX.>',
      `${inboxPrefix('booking')}.>`,
    ]) {
      const refused = new Promise<Error | null>((resolve) =>
        connection.subscribe(subject, { callback: (error) => resolve(error) }),
      );
      await expect(refused).resolves.toMatchObject({
        message: expect.stringMatching(/Permissions Violation for Subscription/),
      });
    }
  });

  it('lets only booking publish booking events, and only the CalDAV connector hear CalDAV passwords', async () => {
    const caldav = await rawClient('connector-caldav');
    caldav.connection.publish('calendar.v1.events.booking.confirmed', encoder.encode('{}'));
    await waitFor(
      () =>
        caldav.errors.some((status) => status.permissionContext?.subject === 'calendar.v1.events.booking.confirmed'),
      { timeoutMs: 2_000 },
    );

    for (const role of NATS_ROLES.filter((role) => role !== 'connector-caldav')) {
      const { connection } = await rawClient(role);
      const refused = new Promise<Error | null>((resolve) =>
        connection.subscribe(Rpcs.connectionsConnect.subject, { callback: (error) => resolve(error) }),
      );
      await expect(refused).resolves.toMatchObject({ message: expect.stringMatching(/Permissions Violation/) });
    }
  });
});
