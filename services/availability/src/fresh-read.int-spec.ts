import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BookingOutcome_Outcome, providerCallbackRpcs, Rpcs } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import {
  createTestDatabase,
  FakeGoogle,
  startCaldavServer,
  startInProcessService,
  testNatsUrl,
  waitFor,
  type CaldavTestServer,
  type InProcessService,
  type TestDatabase,
  soloMember,
} from '@calldesk/testing';
import { DateTime } from 'luxon';
import { FindSlotsHandler } from './slots/find-slots.handler';

jest.setTimeout(60_000);

const ZONE = 'America/New_York';
const day = DateTime.now().setZone(ZONE).plus({ days: 2 }).startOf('day');
const at = (hour: number, minute = 0) => day.set({ hour, minute });
const BUFFER_MINUTES = 15;
const MINUTE = 60_000;

/**
 * A fresh read is the truth for every answer that follows (DESIGN §8): the owner adds an event a
 * moment before the AI books, and neither the refusal's alternatives nor any availability
 * instance's next answer offers the time it blocks. Provider sync is kept out of it: CalDAV polls
 * once an hour here, and Google's pushes go to a sink that tells nobody.
 */
describe('a fresh read replaces every cached view (Radicale and the Google fake, two availability instances)', () => {
  let database: TestDatabase;
  let radicale: CaldavTestServer;
  let google: FakeGoogle;
  let pushSink: Server;
  const services: InProcessService[] = [];
  let availability: InProcessService[];
  let client: Bus;

  beforeAll(async () => {
    [database, radicale, google] = await Promise.all([
      createTestDatabase(),
      startCaldavServer('radicale'),
      FakeGoogle.start({ allowInsecureWebhooks: true }),
    ]);
    pushSink = createServer((_request, response) => response.writeHead(200).end());
    await new Promise<void>((resolve) => pushSink.listen(0, '127.0.0.1', resolve));
    const databaseUrl = database.url;
    const start = async (options: Omit<Parameters<typeof startInProcessService>[0], 'databaseUrl'>) => {
      const service = await startInProcessService({ ...options, databaseUrl });
      services.push(service);
      return service;
    };
    const credentials = {
      CREDENTIALS_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      CREDENTIALS_ACTIVE_KEY_ID: 'k1',
    };
    await start({ service: 'routing' });
    availability = [];
    for (let i = 0; i < 2; i++) {
      availability.push(await start({ service: 'availability' }));
    }
    await start({ service: 'booking' });
    await start({
      service: 'connector-caldav',
      env: { ...credentials, CALDAV_POLL_SECONDS: '3600', CALDAV_ALLOW_PRIVATE_NETWORKS: 'true' },
    });
    await start({
      service: 'connector-google',
      env: {
        ...credentials,
        GOOGLE_CLIENT_ID: google.clientId,
        GOOGLE_CLIENT_SECRET: google.clientSecret,
        OAUTH_STATE_SECRET: 'state-secret-for-tests-only',
        WEBHOOK_SECRET: 'webhook-secret-for-tests-only',
        PUBLIC_BASE_URL: `http://127.0.0.1:${(pushSink.address() as AddressInfo).port}`,
        GOOGLE_AUTH_URL: google.oauthEndpoints.oauth2AuthBaseUrl,
        GOOGLE_TOKEN_URL: google.oauthEndpoints.oauth2TokenUrl,
        GOOGLE_REVOKE_URL: google.oauthEndpoints.oauth2RevokeUrl,
        GOOGLE_API_ROOT_URL: `${google.url}/`,
        SYNC_INTERVAL_MS: '600000',
      },
    });
    client = await Bus.connect({ url: await testNatsUrl(), service: 'test-client', requestTimeoutMs: 15_000 });
  }, 90_000);

  afterAll(async () => {
    await client?.drain();
    for (const service of services.reverse()) await service.close();
    await new Promise((resolve) => pushSink?.close(resolve));
    await google?.close();
    await radicale?.close();
    await database?.drop();
  });

  /** A member open 9 to 5 with 15-minute buffers either side of a one-hour service. */
  const member = () =>
    soloMember(client, {
      zone: ZONE,
      rules: { bufferBeforeMinutes: BUFFER_MINUTES, bufferAfterMinutes: BUFFER_MINUTES, slotStepMinutes: 30 },
    });

  type Member = Awaited<ReturnType<typeof member>>;

  /** Connects the member to the provider and answers how the owner adds an event there. */
  const providers = {
    caldav: async (m: Member) => {
      const calendarUrl = await radicale.makeCalendar(`work-${randomUUID().slice(0, 8)}`, {
        name: 'Work',
        timeZone: ZONE,
      });
      await client.request(Rpcs.connectionsConnect, {
        tenantId: m.tenantId,
        memberId: m.memberId,
        provider: 'caldav',
        serverUrl: radicale.url,
        username: radicale.username,
        password: radicale.password,
      });
      return async (start: DateTime, end: DateTime) => {
        const put = await radicale.client.put(`${calendarUrl}owner-${randomUUID()}.ics`, ownerEventIcs(start, end));
        expect(put.status).toBeLessThan(300);
      };
    },
    google: async (m: Member) => {
      const email = `${randomUUID().slice(0, 8)}@example.com`;
      const primary = google.addAccount(email, ZONE);
      const { authorizationUrl } = await client.request(Rpcs.connectionsAuthorize, {
        tenantId: m.tenantId,
        memberId: m.memberId,
        provider: 'google',
      });
      google.consent = { account: email };
      const consent = await fetch(authorizationUrl, { redirect: 'manual' });
      const back = new URL(consent.headers.get('location')!).searchParams;
      await client.request(providerCallbackRpcs('google').oauthCallback, {
        state: back.get('state')!,
        code: back.get('code') ?? undefined,
        scope: back.get('scope') ?? undefined,
      });
      return async (start: DateTime, end: DateTime) => {
        google.ownerInsert(primary.id, {
          start: { dateTime: start.toISO()! },
          end: { dateTime: end.toISO()! },
          summary: 'Dentist',
        });
      };
    },
  };

  /** Each availability instance's own answer, asked of it directly (NATS would pick one). */
  const slotsOf = (instance: InProcessService, m: Member, from = at(0), to = at(23, 59)) =>
    instance.app
      .get(FindSlotsHandler)
      .find({
        tenantId: m.tenantId,
        serviceId: m.serviceId,
        memberId: m.memberId,
        from: from.toISO()!,
        to: to.toISO()!,
        limit: 200,
      } as never)
      .then((answer) => answer.slots.map((slot) => Date.parse(slot.start)));

  /** Whether a one-hour appointment at `start` would hold time the event blocks. */
  const clashes = (start: number, event: { start: number; end: number }) =>
    start - BUFFER_MINUTES * MINUTE < event.end && event.start < start + 60 * MINUTE + BUFFER_MINUTES * MINUTE;

  it.each(['caldav', 'google'] as const)(
    '%s: the conflict offers no time the new event blocks, and no instance offers it after',
    async (provider) => {
      const m = await member();
      const addOwnerEvent = await providers[provider](m);
      // Both instances have the member's next weeks cached (as far as alternatives look), from
      // before the event.
      const weeks = [DateTime.now(), DateTime.now().plus({ days: 20 })] as const;
      await waitFor(
        async () =>
          (await Promise.all(availability.map((a) => slotsOf(a, m, ...weeks)))).every((slots) =>
            slots.includes(at(11).toMillis()),
          ),
        {
          timeoutMs: 10_000,
        },
      );

      const event = { start: at(11).toMillis(), end: at(12).toMillis() };
      await addOwnerEvent(at(11), at(12));
      const outcome = await client.request(Rpcs.bookingsCreate, {
        idempotencyKey: randomUUID(),
        tenantId: m.tenantId,
        serviceId: m.serviceId,
        memberId: m.memberId,
        start: at(11).toISO()!,
        customer: { name: 'Ada Caller', phone: '+15555550123' },
      });
      const answeredAt = Date.now();

      expect(outcome.outcome).toBe(BookingOutcome_Outcome.conflict);
      const alternatives = outcome.alternatives.map((slot) => Date.parse(slot.start));
      expect(alternatives.length).toBeGreaterThan(0);
      expect(alternatives.filter((start) => clashes(start, event))).toEqual([]);

      // With no wait, every instance answers from the truth, and they agree.
      const [first, second] = await Promise.all(availability.map((a) => slotsOf(a, m)));
      const agreedWithin = Date.now() - answeredAt;
      expect(first.filter((start) => clashes(start, event))).toEqual([]);
      expect(first).toContain(at(9).toMillis());
      expect(second).toEqual(first);
      expect(agreedWithin).toBeLessThan(100);
    },
  );
});

/** An event as the owner's phone writes it. */
function ownerEventIcs(start: DateTime, end: DateTime): string {
  const utc = (time: DateTime) => time.toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'");
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Owner phone//EN',
    'BEGIN:VEVENT',
    `UID:${randomUUID()}`,
    'DTSTAMP:20260101T000000Z',
    `DTSTART:${utc(start)}`,
    `DTEND:${utc(end)}`,
    'SUMMARY:Dentist',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
