import { randomBytes, randomUUID } from 'node:crypto';
import { startTelemetry } from '@calldesk/telemetry';
import {
  BookingOutcome_Outcome,
  Booking_Status,
  CalendarInfo_Role,
  Connection_Status,
  connectorRpcs,
  Rpcs,
  type BusyResponse,
  type Connection,
} from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import {
  CORPUS_ZONE,
  createTestDatabase,
  ICS_CORPUS,
  PRIVACY_MARKER,
  startCaldavServer,
  startInProcessService,
  testNatsUrl,
  waitFor,
  type CaldavServerKind,
  type CaldavTestServer,
  type InProcessService,
  type TestDatabase,
  soloMember,
} from '@calldesk/testing';
import { DateTime } from 'luxon';
import { connect, type NatsConnection } from 'nats';

// Spans of everything in this process, from the start (the connector runs in-process).
const telemetry = startTelemetry('connector-caldav-test', { inMemory: true });

const rpcs = connectorRpcs('caldav');
const ZONE = CORPUS_ZONE;
// Two days ahead, in the member's zone: notice rules and the clock never interfere.
const day = DateTime.now().setZone(ZONE).plus({ days: 2 }).startOf('day');
const at = (hour: number, minute = 0) => day.set({ hour, minute }).toISO({ suppressMilliseconds: true })!;
const utc = (iso: string) => new Date(iso).toISOString().replace('.000Z', 'Z');
const POLL_SECONDS = 1;

/** Everything that leaves the connector: NATS messages, log lines, spans and the database. */
const seen = { nats: [] as string[], logs: [] as string[] };

/**
 * The CalDAV connector against real Radicale and Xandikos servers, with routing and availability
 * in-process on one database and the test NATS: connect, roles, the corpus's busy times, our
 * bookings' events, change detection, outages, and privacy.
 */
describe('connector-caldav (real Radicale and Xandikos, NATS, Postgres)', () => {
  let natsUrl: string;
  let database: TestDatabase;
  let routing: InProcessService;
  let availability: InProcessService;
  let booking: InProcessService;
  let connector: InProcessService;
  let client: Bus;
  let raw: NatsConnection;
  const servers = new Map<CaldavServerKind, CaldavTestServer>();
  const passwords: string[] = [];
  let stdoutSpy: jest.SpyInstance;

  beforeAll(async () => {
    const passThrough = process.stdout.write.bind(process.stdout);
    stdoutSpy = jest.spyOn(process.stdout, 'write').mockImplementation(((
      chunk: string | Uint8Array,
      ...rest: unknown[]
    ) => {
      seen.logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return process.env.SHOW_SERVICE_LOGS ? passThrough(chunk, ...(rest as [])) : true;
    }) as typeof process.stdout.write);
    natsUrl = await testNatsUrl();
    raw = await connect({ servers: natsUrl });
    raw.subscribe('>', {
      callback: (_error, msg) => {
        const headers = msg.headers
          ? [...msg.headers.keys()].map((key) => `${key}=${msg.headers!.get(key)}`).join(' ')
          : '';
        seen.nats.push(`${msg.subject} ${headers} ${new TextDecoder().decode(msg.data)}`);
      },
    });
    const [kinds] = await Promise.all([
      Promise.all(
        (['radicale', 'xandikos'] as const).map(async (kind) => servers.set(kind, await startCaldavServer(kind))),
      ),
      (async () => {
        database = await createTestDatabase();
      })(),
    ]);
    void kinds;
    for (const server of servers.values()) passwords.push(server.password);
    routing = await startInProcessService({ service: 'routing', databaseUrl: database.url });
    availability = await startInProcessService({ service: 'availability', databaseUrl: database.url });
    booking = await startInProcessService({ service: 'booking', databaseUrl: database.url });
    connector = await startInProcessService({
      service: 'connector-caldav',
      databaseUrl: database.url,
      env: {
        LOG_LEVEL: 'debug',
        CALDAV_POLL_SECONDS: String(POLL_SECONDS),
        CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
        CALDAV_BREAKER_OPEN_MS: '1000',
        CALDAV_BUSY_BUDGET_MS: '1500',
        CREDENTIALS_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        CREDENTIALS_ACTIVE_KEY_ID: 'k1',
      },
    });
    client = await Bus.connect({ url: natsUrl, service: 'test-client', requestTimeoutMs: 8_000 });
  }, 60_000);

  afterAll(async () => {
    await client?.drain();
    await connector?.close();
    await booking?.close();
    await availability?.close();
    await routing?.close();
    await raw?.close();
    await Promise.all([...servers.values()].map((server) => server.close()));
    await database?.drop();
    stdoutSpy?.mockRestore();
    await telemetry.shutdown();
  });

  /** A tenant, a member in ZONE open 8 to 8 every day, and a one-hour service of hers. */
  const member = () => soloMember(client, { zone: ZONE, open: '08:00', close: '20:00' });

  const connectTo = (
    server: CaldavTestServer,
    who: { tenantId: string; memberId: string },
    password = server.password,
  ) =>
    client.request(Rpcs.connectionsConnect, {
      tenantId: who.tenantId,
      memberId: who.memberId,
      provider: 'caldav',
      serverUrl: server.url,
      username: server.username,
      password,
    });

  const busy = (who: { tenantId: string; memberId: string }, from: string, to: string): Promise<BusyResponse> =>
    client.request(rpcs.busy, { tenantId: who.tenantId, memberId: who.memberId, from, to, fresh: true });

  const slots = (who: { tenantId: string; serviceId: string; memberId: string }) =>
    client.request(Rpcs.slotsFind, {
      tenantId: who.tenantId,
      serviceId: who.serviceId,
      memberId: who.memberId,
      from: at(0),
      to: at(23, 59),
      limit: 50,
      timeZone: ZONE,
    });

  /** An event as the owner's phone writes it, with the privacy marker in every text. */
  const ownerEvent = (uid: string, start: string, end: string) =>
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Owner phone//EN',
      'BEGIN:VEVENT',
      `UID:${uid}`,
      'DTSTAMP:20260101T000000Z',
      `DTSTART:${utc(start).replace(/[-:]/g, '')}`,
      `DTEND:${utc(end).replace(/[-:]/g, '')}`,
      `SUMMARY:${PRIVACY_MARKER} dentist`,
      `DESCRIPTION:${PRIVACY_MARKER} bring x-rays`,
      `LOCATION:${PRIVACY_MARKER} clinic`,
      `ATTENDEE;CN=${PRIVACY_MARKER}:mailto:${PRIVACY_MARKER.toLowerCase()}@example.com`,
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');

  describe.each(['radicale', 'xandikos'] as const)('%s', (kind) => {
    let server: CaldavTestServer;
    let who: Awaited<ReturnType<typeof member>>;
    let connection: Connection;
    let bookingCalendar: { id: string; url: string };
    let blockingCalendar: { id: string; url: string };

    beforeAll(async () => {
      server = servers.get(kind)!;
      // Radicale keeps a calendar's time zone; Xandikos does not (the member's zone is used).
      const first =
        kind === 'radicale'
          ? await server.makeCalendar('work', { name: 'Work', timeZone: ZONE })
          : `${server.homeUrl}calendar/`;
      await server.makeCalendar('family', { name: 'Family', timeZone: ZONE });
      void first;
      who = await member();
    });

    if (kind === 'radicale') {
      it('refuses a wrong password with one clear message for Apple users, and stores nothing', async () => {
        const error = await connectTo(server, who, 'not the password').catch((e) => e);
        expect(error).toMatchObject({
          code: 'invalid_argument',
          details: { field: 'password', reason: 'auth_rejected' },
        });
        expect(error.message).toMatch(/app-specific password/);
        const db = await database.query(
          `SELECT count(*)::int AS n FROM connector_caldav.connections WHERE member_id = $1`,
          [who.memberId],
        );
        expect(db[0].n).toBe(0);
        expect(
          seen.nats.filter(
            (line) => line.startsWith('calendar.v1.events.connection.status') && line.includes(who.memberId),
          ),
        ).toEqual([]);
      });
    }

    it('connects: verified by discovery and a listing, one booking calendar, the others blocking, in their zone', async () => {
      const reply = await connectTo(server, who);
      connection = reply.connection!;
      expect(connection).toMatchObject({
        provider: 'caldav',
        status: Connection_Status.connected,
        memberId: who.memberId,
      });
      expect(connection.id).toMatch(/^caldav:/);
      expect(connection.calendars).toHaveLength(2);
      const roles = connection.calendars.map((c) => c.role).sort();
      expect(roles).toEqual([CalendarInfo_Role.booking, CalendarInfo_Role.blocking].sort());
      expect(
        connection.calendars.every((c) => c.timeZone === ZONE && c.writable && c.calendarId.startsWith('caldav:')),
      ).toBe(true);
      const rows = await database.query<{ calendar_id: string; url: string; role: string }>(
        `SELECT calendar_id, url, role FROM connector_caldav.calendars WHERE member_id = $1`,
        [who.memberId],
      );
      const urlOf = (role: string) => rows.find((r) => r.role === role)!;
      bookingCalendar = { id: urlOf('booking').calendar_id, url: urlOf('booking').url };
      blockingCalendar = { id: urlOf('blocking').calendar_id, url: urlOf('blocking').url };
      // Credentials at rest: sealed, with the key id.
      const [stored] = await database.query(
        `SELECT credentials_key_id, credentials_sealed FROM connector_caldav.connections WHERE connection_id = $1`,
        [connection.id],
      );
      expect(stored.credentials_key_id).toBe('k1');
      expect(stored.credentials_sealed).not.toContain(server.password);
      // Availability learns of it from the stream and offers the member.
      await waitFor(async () => (await slots(who)).slots.length > 0, { timeoutMs: 5_000 });
    });

    it('changes roles: one booking calendar always, writable, and the old one blocks', async () => {
      const setRole = (calendarId: string, role: CalendarInfo_Role) =>
        client.request(Rpcs.calendarsSetRole, { tenantId: who.tenantId, calendarId, role });
      await expect(setRole(bookingCalendar.id, CalendarInfo_Role.blocking)).rejects.toMatchObject({
        code: 'failed_precondition',
      });
      await expect(setRole(blockingCalendar.id, CalendarInfo_Role.booking)).resolves.toMatchObject({
        calendar: { role: CalendarInfo_Role.booking },
      });
      const { calendars } = await client.request(rpcs.calendars, { tenantId: who.tenantId, memberId: who.memberId });
      expect(calendars.find((c) => c.calendarId === bookingCalendar.id)?.role).toBe('blocking');
      await setRole(bookingCalendar.id, CalendarInfo_Role.booking);
      await expect(setRole(blockingCalendar.id, CalendarInfo_Role.ignored)).resolves.toMatchObject({
        calendar: { role: CalendarInfo_Role.ignored },
      });
      expect((await busy(who, at(0), at(23))).calendars.map((c) => c.calendarId)).toEqual([bookingCalendar.id]);
      await setRole(blockingCalendar.id, CalendarInfo_Role.blocking);
      // Not ours: another connector answers (here nobody, so the caller times out).
      await expect(
        client.request(
          Rpcs.calendarsSetRole,
          { tenantId: who.tenantId, calendarId: 'google:x', role: CalendarInfo_Role.ignored },
          { timeoutMs: 300 },
        ),
      ).rejects.toMatchObject({
        code: 'deadline_exceeded',
      });
    });

    // A case the server refuses or changes as it stores it is left to the unit tests, and the skipped test says why.
    for (const corpusCase of ICS_CORPUS) {
      const skipped = corpusCase.skipOn?.[kind];
      if (skipped) {
        it.skip(`corpus ${corpusCase.name}: not stored as written on ${kind}: ${skipped}`, () => undefined);
        continue;
      }
      it(`corpus ${corpusCase.name}: read as exactly its busy intervals, the calendar verified`, async () => {
        const url = `${blockingCalendar.url}corpus-${corpusCase.name}.ics`;
        expect((await server.client.put(url, corpusCase.ics)).status).toBeLessThan(300);
        try {
          const answer = await busy(who, corpusCase.from, corpusCase.to);
          const blocking = answer.calendars.find((c) => c.calendarId === blockingCalendar.id)!;
          expect({
            error: blocking.error,
            busy: blocking.busy.map((b) => ({
              start: utc(b.start),
              end: utc(b.end),
              ...(b.bookingId ? { bookingId: b.bookingId } : {}),
            })),
          }).toEqual({
            error: undefined,
            busy: corpusCase.busy.map((b) => ({ ...b, start: utc(b.start), end: utc(b.end) })),
          });
        } finally {
          expect(await server.client.delete(url)).toBeLessThan(300);
        }
      });
    }

    it('counts an object it cannot parse busy on the safe side, beside the others, and says so in the log without its content', async () => {
      const unreadable = ICS_CORPUS.find((c) => c.name === 'unreadable-rule')!;
      const urls = [
        `${blockingCalendar.url}bad-${randomUUID()}.ics`,
        `${blockingCalendar.url}fine-${randomUUID()}.ics`,
      ];
      const logged = seen.logs.length;
      expect((await server.client.put(urls[0], unreadable.ics)).status).toBeLessThan(300);
      expect(
        (
          await server.client.put(
            urls[1],
            ownerEvent(randomUUID(), '2026-03-12T09:00:00-04:00', '2026-03-12T09:30:00-04:00'),
          )
        ).status,
      ).toBeLessThan(300);
      try {
        const answer = await busy(who, unreadable.from, unreadable.to);
        const blocking = answer.calendars.find((c) => c.calendarId === blockingCalendar.id)!;
        expect(blocking.error).toBeUndefined();
        expect(blocking.busy.map((b) => [utc(b.start), utc(b.end)])).toEqual([
          ['2026-03-12T13:00:00Z', '2026-03-12T13:30:00Z'],
          ...unreadable.busy.map((b) => [utc(b.start), utc(b.end)]),
        ]);
        const warning = seen.logs.slice(logged).find((line) => line.includes('unparseable calendar objects'));
        expect(warning && JSON.parse(warning)).toMatchObject({ calendarId: blockingCalendar.id, count: 1 });
      } finally {
        for (const url of urls) await server.client.delete(url);
      }
    });

    it('books, moves and cancels: the objects on the server are right, and a second client sees them', async () => {
      const bookingId = randomUUID();
      const write = {
        tenantId: who.tenantId,
        calendarId: bookingCalendar.id,
        bookingId,
        start: at(10),
        end: at(11),
        title: 'Consultation',
        description: 'Booked by phone',
      };
      const created = await client.request(rpcs.createEvent, write);
      expect(created).toMatchObject({
        found: true,
        event: { eventId: `calldesk-${bookingId}`, calendarId: bookingCalendar.id, bookingId },
      });
      expect(utc(created.event!.start)).toBe(utc(at(10)));
      const href = `${bookingCalendar.url}calldesk-${bookingId}.ics`;
      const stored = await server.client.get(href);
      expect(stored?.data).toContain(`UID:calldesk-${bookingId}`);
      expect(stored?.data).toContain(`DTSTART:${utc(at(10)).replace(/[-:]/g, '')}`);
      expect(stored?.data).toContain('SUMMARY:Consultation');
      expect(stored?.data).toContain(`X-CALLDESK-BOOKING-ID:${bookingId}`);

      // A retried create answers the same event and makes no second one.
      await expect(client.request(rpcs.createEvent, write)).resolves.toMatchObject({
        found: true,
        event: { eventId: `calldesk-${bookingId}` },
      });
      const ours = (await server.client.list(bookingCalendar.url)).filter((object) => object.data.includes(bookingId));
      expect(ours).toHaveLength(1);
      const busyNow = await busy(who, at(0), at(23, 59));
      expect(busyNow.calendars.find((c) => c.calendarId === bookingCalendar.id)?.busy).toEqual([
        expect.objectContaining({ bookingId }),
      ]);

      // The owner touches the event on their phone (a new etag); our move still lands, once.
      const touched = stored!.data.replace('SUMMARY:Consultation', 'SUMMARY:Consultation (seen)');
      expect((await server.client.put(href, touched, { ifMatch: stored!.etag })).status).toBeLessThan(300);
      const moved = await client.request(rpcs.updateEvent, { ...write, start: at(14), end: at(15) });
      expect(utc(moved.event!.start)).toBe(utc(at(14)));
      expect((await server.client.get(href))?.data).toContain(`DTSTART:${utc(at(14)).replace(/[-:]/g, '')}`);
      await expect(
        client.request(rpcs.findEvent, { tenantId: who.tenantId, calendarId: bookingCalendar.id, bookingId }),
      ).resolves.toMatchObject({
        found: true,
        event: { bookingId },
      });

      await expect(
        client.request(rpcs.deleteEvent, { tenantId: who.tenantId, calendarId: bookingCalendar.id, bookingId }),
      ).resolves.toMatchObject({ found: true });
      expect(await server.client.get(href)).toBeUndefined();
      await expect(
        client.request(rpcs.deleteEvent, { tenantId: who.tenantId, calendarId: bookingCalendar.id, bookingId }),
      ).resolves.toMatchObject({ found: false });
      await expect(
        client.request(rpcs.findEvent, { tenantId: who.tenantId, calendarId: bookingCalendar.id, bookingId }),
      ).resolves.toMatchObject({ found: false });
    }, 15_000);

    it('tells the booking service when the owner deletes or moves one of our events', async () => {
      const changes: { bookingId: string; change: string; start?: string; end?: string }[] = [];
      const subscription = raw.subscribe('calendar.v1.events.calendar.booking_event_changed', {
        callback: (_error, msg) => changes.push(JSON.parse(new TextDecoder().decode(msg.data))),
      });
      try {
        const [kept, deleted, moved] = [randomUUID(), randomUUID(), randomUUID()];
        for (const [bookingId, hour] of [
          [kept, 9],
          [deleted, 12],
          [moved, 16],
        ] as const) {
          await client.request(rpcs.createEvent, {
            tenantId: who.tenantId,
            calendarId: bookingCalendar.id,
            bookingId,
            start: at(hour),
            end: at(hour + 1),
            title: 'Consultation',
          });
        }
        // Our own writes are no one else's changes.
        await new Promise((resolve) => setTimeout(resolve, (POLL_SECONDS + 1) * 1_000));
        expect(changes).toEqual([]);

        expect(await server.client.delete(`${bookingCalendar.url}calldesk-${deleted}.ics`)).toBeLessThan(300);
        const href = `${bookingCalendar.url}calldesk-${moved}.ics`;
        const original = (await server.client.get(href))!;
        const later = original.data
          .replace(/DTSTART:\d{8}T\d{6}Z/, `DTSTART:${utc(at(17)).replace(/[-:]/g, '')}`)
          .replace(/DTEND:\d{8}T\d{6}Z/, `DTEND:${utc(at(18)).replace(/[-:]/g, '')}`)
          .replace(
            'SUMMARY:Consultation',
            `SUMMARY:${PRIVACY_MARKER} moved by the owner\r\nLOCATION:${PRIVACY_MARKER} elsewhere`,
          );
        expect((await server.client.put(href, later, { ifMatch: original.etag })).status).toBeLessThan(300);

        await waitFor(() => changes.length >= 2, { timeoutMs: (POLL_SECONDS + 3) * 1_000 });
        expect(changes).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              tenantId: who.tenantId,
              memberId: who.memberId,
              calendarId: bookingCalendar.id,
              bookingId: deleted,
              change: 'deleted',
            }),
            expect.objectContaining({
              bookingId: moved,
              change: 'moved',
              start: expect.any(String),
              end: expect.any(String),
            }),
          ]),
        );
        const movedChange = changes.find((c) => c.bookingId === moved)!;
        expect([utc(movedChange.start!), utc(movedChange.end!)]).toEqual([utc(at(17)), utc(at(18))]);
        expect(changes.some((c) => c.bookingId === kept)).toBe(false);
        for (const bookingId of [kept, moved]) {
          await client.request(rpcs.deleteEvent, { tenantId: who.tenantId, calendarId: bookingCalendar.id, bookingId });
        }
      } finally {
        subscription.unsubscribe();
      }
    }, 15_000);

    it('books, reschedules and cancels through the public API: the event follows, and deleting it in the calendar cancels', async () => {
      const customer = { name: 'Ann Caller', phone: '+14155550123' };
      const book = (start: string) =>
        client.request(Rpcs.bookingsCreate, {
          idempotencyKey: randomUUID(),
          tenantId: who.tenantId,
          serviceId: who.serviceId,
          memberId: who.memberId,
          start,
          customer,
          notes: 'first visit',
        });
      const created = await book(at(11));
      expect(created).toMatchObject({
        outcome: BookingOutcome_Outcome.confirmed,
        booking: { calendarId: bookingCalendar.id },
      });
      const { id } = created.booking!;
      const href = `${bookingCalendar.url}calldesk-${id}.ics`;
      const stamp = (iso: string) => utc(iso).replace(/[-:]/g, '');
      expect((await server.client.get(href))?.data).toMatch(
        new RegExp(`DTSTART:${stamp(at(11))}[\\s\\S]*Ann Caller|Ann Caller[\\s\\S]*DTSTART:${stamp(at(11))}`),
      );
      // The slot is taken now: the next caller is told so.
      await expect(book(at(11))).resolves.toMatchObject({ outcome: BookingOutcome_Outcome.conflict });

      await expect(
        client.request(Rpcs.bookingsReschedule, {
          idempotencyKey: randomUUID(),
          tenantId: who.tenantId,
          bookingId: id,
          start: at(15),
        }),
      ).resolves.toMatchObject({
        outcome: BookingOutcome_Outcome.confirmed,
      });
      expect((await server.client.get(href))?.data).toContain(`DTSTART:${stamp(at(15))}`);
      expect((await server.client.list(bookingCalendar.url)).filter((object) => object.data.includes(id))).toHaveLength(
        1,
      );
      await expect(
        client.request(Rpcs.bookingsCancel, { tenantId: who.tenantId, bookingId: id }),
      ).resolves.toMatchObject({ booking: { status: Booking_Status.cancelled } });
      expect(await server.client.get(href)).toBeUndefined();

      // The owner deletes a booking's event on their phone: the booking is cancelled.
      const other = (await book(at(17))).booking!;
      expect(await server.client.delete(`${bookingCalendar.url}calldesk-${other.id}.ics`)).toBeLessThan(300);
      await waitFor(
        async () =>
          (await client.request(Rpcs.bookingsGet, { tenantId: who.tenantId, bookingId: other.id })).booking?.status ===
          Booking_Status.cancelled,
        {
          timeoutMs: (POLL_SECONDS + 4) * 1_000,
          intervalMs: 100,
        },
      );
    }, 20_000);

    it(`shows an event added on the server in slots.find within the poll interval plus 1 s`, async () => {
      const offered = async () => (await slots(who)).slots.map((s) => utc(s.start));
      await waitFor(async () => (await offered()).includes(utc(at(13))), { timeoutMs: 5_000 });
      await server.client.put(
        `${blockingCalendar.url}lunch-${randomUUID()}.ics`,
        ownerEvent(randomUUID(), at(13, 15), at(13, 45)),
      );
      const added = Date.now();
      await waitFor(async () => !(await offered()).includes(utc(at(13))), {
        timeoutMs: (POLL_SECONDS + 1) * 1_000,
        intervalMs: 50,
      });
      expect(Date.now() - added).toBeLessThanOrEqual((POLL_SECONDS + 1) * 1_000);
      expect(await offered()).toContain(utc(at(14)));
    }, 15_000);

    it('leaves the member out while the server is down, and offers them again when it is back', async () => {
      await server.stop();
      try {
        await waitFor(
          async () =>
            (await slots(who)).skipped.some((s) => s.memberId === who.memberId && s.reason === 'calendar_unavailable'),
          {
            timeoutMs: 8_000,
            intervalMs: 100,
          },
        );
        expect((await slots(who)).slots).toEqual([]);
        const answer = await busy(who, at(0), at(23));
        expect(answer.calendars.length).toBe(2);
        expect(answer.calendars.every((c) => c.error?.code === 'unavailable' && c.busy.length === 0)).toBe(true);
      } finally {
        await server.start();
      }
      await waitFor(async () => (await slots(who)).slots.length > 0, { timeoutMs: 8_000, intervalMs: 100 });
      expect((await slots(who)).skipped).toEqual([]);
    }, 30_000);

    it('takes the calendar list again when a calendar is deleted on the server, and our events there are gone', async () => {
      const changes: { bookingId: string; change: string }[] = [];
      const subscription = raw.subscribe('calendar.v1.events.calendar.booking_event_changed', {
        callback: (_error, msg) => changes.push(JSON.parse(new TextDecoder().decode(msg.data))),
      });
      try {
        const bookingId = randomUUID();
        await client.request(rpcs.createEvent, {
          tenantId: who.tenantId,
          calendarId: bookingCalendar.id,
          bookingId,
          start: at(9),
          end: at(10),
        });
        const later = await server.makeCalendar('later', { name: 'Later', timeZone: ZONE });
        expect(await server.client.delete(bookingCalendar.url)).toBeLessThan(300);
        await waitFor(
          async () => {
            const { calendars } = await client.request(rpcs.calendars, {
              tenantId: who.tenantId,
              memberId: who.memberId,
            });
            return calendars.length === 2 && !calendars.some((c) => c.calendarId === bookingCalendar.id);
          },
          { timeoutMs: 5_000, intervalMs: 100 },
        );
        const { calendars } = await client.request(rpcs.calendars, { tenantId: who.tenantId, memberId: who.memberId });
        // One of the remaining writable calendars takes the bookings; the other (the new one, too) blocks time.
        expect(calendars.map((c) => c.role).sort()).toEqual(['blocking', 'booking']);
        const urls = await database.query(
          `SELECT url FROM connector_caldav.calendars WHERE member_id = $1 ORDER BY url`,
          [who.memberId],
        );
        expect(urls.map((row) => row.url)).toEqual([blockingCalendar.url, later].sort());
        await waitFor(() => changes.some((c) => c.bookingId === bookingId && c.change === 'deleted'), {
          timeoutMs: 3_000,
        });
        // Asked again, as the booking service does before it cancels: no such event any more.
        await expect(
          client.request(rpcs.findEvent, { tenantId: who.tenantId, calendarId: bookingCalendar.id, bookingId }),
        ).resolves.toMatchObject({ found: false });
        await expect(
          client.request(rpcs.deleteEvent, { tenantId: who.tenantId, calendarId: bookingCalendar.id, bookingId }),
        ).resolves.toMatchObject({ found: false });
        await waitFor(async () => (await slots(who)).slots.length > 0, { timeoutMs: 5_000, intervalMs: 100 });
      } finally {
        subscription.unsubscribe();
      }
    }, 20_000);

    it('finds a calendar made on the server since, when the list is read again, and it blocks time', async () => {
      const free = (await slots(who)).slots.map((slot) => slot.start);
      const start = free[free.length - 1];
      const made = await server.makeCalendar(`made-${randomUUID().slice(0, 8)}`, {
        name: 'Made later',
        timeZone: ZONE,
      });
      const end = new Date(Date.parse(start) + 30 * 60_000).toISOString();
      expect(
        (await server.client.put(`${made}${randomUUID()}.ics`, ownerEvent(randomUUID(), start, end))).status,
      ).toBeLessThan(300);
      // Polls alone never look for new calendars.
      expect((await slots(who)).slots.map((slot) => slot.start)).toContain(start);

      // Due now, as if the last reading were long ago: the next round reads the list.
      await database.query(
        `UPDATE connector_caldav.connections SET calendars_listed_at = now() - interval '1 day' WHERE member_id = $1`,
        [who.memberId],
      );
      await waitFor(async () => !(await slots(who)).slots.some((slot) => slot.start === start), {
        timeoutMs: 5_000,
        intervalMs: 100,
      });
      const { calendars } = await client.request(rpcs.calendars, { tenantId: who.tenantId, memberId: who.memberId });
      const rows = await database.query(`SELECT calendar_id FROM connector_caldav.calendars WHERE url = $1`, [made]);
      expect(calendars.find((c) => c.calendarId === rows[0].calendar_id)).toMatchObject({ role: 'blocking' });
    });

    if (kind === 'radicale') {
      it('marks the connection needs_reauth when the password is revoked, and reconnecting restores it', async () => {
        const revoked = 'revoked-app-password';
        passwords.push(revoked);
        await server.setPassword(revoked);
        try {
          await waitFor(
            async () =>
              (await slots(who)).skipped.some((s) => s.memberId === who.memberId && s.reason === 'needs_reauth'),
            {
              timeoutMs: 8_000,
              intervalMs: 100,
            },
          );
          expect(
            seen.nats.some(
              (line) =>
                line.startsWith('calendar.v1.events.connection.status') &&
                line.includes(who.memberId) &&
                line.includes('needs_reauth'),
            ),
          ).toBe(true);
          await expect(
            client.request(rpcs.createEvent, {
              tenantId: who.tenantId,
              calendarId: blockingCalendar.id,
              bookingId: randomUUID(),
              start: at(9),
              end: at(10),
            }),
          ).rejects.toMatchObject({
            code: 'failed_precondition',
            details: { reason: 'needs_reauth' },
          });
        } finally {
          await server.setPassword(server.password);
        }
        // The same account again: the same connection and calendars, connected.
        const again = await connectTo(server, who);
        expect(again.connection).toMatchObject({ id: connection.id, status: Connection_Status.connected });
        const { calendars } = await client.request(rpcs.calendars, { tenantId: who.tenantId, memberId: who.memberId });
        expect(again.connection!.calendars.map((c) => c.calendarId).sort()).toEqual(
          calendars.map((c) => c.calendarId).sort(),
        );
        await waitFor(async () => (await slots(who)).slots.length > 0, { timeoutMs: 8_000, intervalMs: 100 });
      }, 30_000);
    }
  });

  it('never lets a title, description, location or attendee out: not to Postgres, logs, NATS or spans', async () => {
    const marker = PRIVACY_MARKER.toLowerCase();
    const dump = await database.dump();
    const spans = telemetry
      .memory!.getFinishedSpans()
      .map((span) =>
        JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events, status: span.status }),
      );
    // Sanity: the sinks really were watched.
    expect(seen.nats.some((line) => line.startsWith('calendar.v1.events.calendar.changed'))).toBe(true);
    expect(seen.logs.some((line) => line.includes('"service":"connector-caldav"'))).toBe(true);
    expect(spans.some((span) => span.includes('caldav REPORT'))).toBe(true);
    expect(dump).toMatch(/connector_caldav\.calendars \[.*"calendar_id":"caldav:/);
    for (const [sink, lines] of Object.entries({ nats: seen.nats, logs: seen.logs, spans, postgres: [dump] })) {
      expect({ sink, leaks: lines.filter((line) => line.toLowerCase().includes(marker)) }).toEqual({ sink, leaks: [] });
      // Nor a password in the clear, but in the connect request that carries it by contract.
      const carried = (line: string) => line.startsWith(`${Rpcs.connectionsConnect.subject} `);
      expect({
        sink,
        leaks: lines.filter((line) => !carried(line) && passwords.some((password) => line.includes(password))),
      }).toEqual({ sink, leaks: [] });
    }
  });
});
