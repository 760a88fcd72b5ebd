import { startTelemetry } from '@calldesk/telemetry';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CalendarInfo_Role,
  connectorRpcs,
  Connection_Status,
  Rpcs,
  RpcError,
  Service_Strategy,
  type Connection,
} from '@calldesk/contracts';
import { connectorSuite, FakeGoogle, oauthSignInGuards, signInSecretsSeen, waitFor } from '@calldesk/testing';
import { DateTime } from 'luxon';
import { eventIdOf } from './google/event-id';

// Every span of this process, in memory: the privacy check reads them all.
const telemetry = startTelemetry('connector-google-int', { inMemory: true });

jest.setTimeout(60_000);

/** Put in the title, description, location and attendees of every event the owner makes. */
const MARKER = `MARKER${randomBytes(6).toString('hex')}`;
const ZONE = 'America/New_York';
const day = DateTime.now().setZone(ZONE).plus({ days: 2 }).startOf('day');
const at = (hour: number, minute = 0) => day.set({ hour, minute }).toISO({ suppressMilliseconds: true })!;
const rpcs = connectorRpcs('google');
const WEBHOOK_SECRET = 'webhook-secret-for-tests-only';
const CREDENTIALS_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;

describe('connector-google against the fake Google (real NATS, Postgres, gateway, availability)', () => {
  const suite = connectorSuite({
    fake: () => FakeGoogle.start({ allowInsecureWebhooks: true }),
    env: { WEBHOOK_SECRET },
    connector: (fake, gatewayUrl) => ({
      service: 'connector-google',
      env: {
        LOG_LEVEL: 'debug',
        CREDENTIALS_ENCRYPTION_KEYS,
        CREDENTIALS_ACTIVE_KEY_ID: 'k1',
        GOOGLE_CLIENT_ID: fake.clientId,
        GOOGLE_CLIENT_SECRET: fake.clientSecret,
        OAUTH_STATE_SECRET: 'state-secret-for-tests-only',
        WEBHOOK_SECRET,
        PUBLIC_BASE_URL: gatewayUrl,
        GOOGLE_AUTH_URL: fake.oauthEndpoints.oauth2AuthBaseUrl,
        GOOGLE_TOKEN_URL: fake.oauthEndpoints.oauth2TokenUrl,
        GOOGLE_REVOKE_URL: fake.oauthEndpoints.oauth2RevokeUrl,
        GOOGLE_API_ROOT_URL: `${fake.url}/`,
        // Changes must arrive by push: the periodic sync is far off.
        SYNC_INTERVAL_MS: '600000',
        MAINTENANCE_INTERVAL_MS: '250',
        PROVIDER_BUDGET_MS: '3000',
        PROVIDER_ATTEMPT_TIMEOUT_MS: '700',
        PROVIDER_BACKOFF_MS: '50',
        CIRCUIT_OPEN_MS: '500',
      },
    }),
  });
  const pushLatencies: number[] = [];

  afterAll(() => {
    if (pushLatencies.length) process.stdout.write(`google push-to-slots latency (ms): ${pushLatencies.join(', ')}\n`);
  });

  /** A member open 9 to 5 every day with a one-hour service, and a Google account of their own. */
  async function member(timeZone = ZONE) {
    const { tenant } = await suite.client.request(Rpcs.tenantsCreate, { name: `t-${randomUUID()}`, timeZone });
    const tenantId = tenant!.id;
    const { member } = await suite.client.request(Rpcs.membersCreate, { tenantId, name: 'Dana', timeZone });
    const memberId = member!.id;
    const weeklyHours = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
    await suite.client.request(Rpcs.availabilitySet, { tenantId, memberId, weeklyHours });
    const { service } = await suite.client.request(Rpcs.servicesCreate, {
      tenantId,
      name: 'Consultation',
      durationMinutes: 60,
      memberIds: [memberId],
      strategy: Service_Strategy.specific,
    });
    const email = `${randomUUID().slice(0, 8)}@example.com`;
    const primary = suite.fake.addAccount(email, timeZone);
    return { tenantId, memberId, serviceId: service!.id, email, primary: primary.id };
  }

  type Member = Awaited<ReturnType<typeof member>>;

  /** The owner's consent in the browser: authorization URL → fake Google → gateway callback. */
  async function connect(m: Member): Promise<Connection> {
    const { authorizationUrl } = await suite.client.request(Rpcs.connectionsAuthorize, { tenantId: m.tenantId, memberId: m.memberId, provider: 'google' });
    suite.fake.consent = { account: m.email };
    const consent = await fetch(authorizationUrl, { redirect: 'manual' });
    const callback = await fetch(consent.headers.get('location')!);
    const body = (await callback.json()) as { connection: Connection };
    if (callback.status !== 200) throw new Error(`callback answered ${callback.status}: ${JSON.stringify(body)}`);
    return body.connection as Connection;
  }

  /** Connected, with availability offering slots (the status event has arrived). */
  async function connected(m: Member) {
    const connection = await connect(m);
    await waitFor(async () => (await slots(m)).length > 0, { timeoutMs: 5_000 });
    const booking = connection.calendars.find((c) => c.role === CalendarInfo_Role.booking)!;
    return { connection, bookingCalendarId: booking.calendarId };
  }

  const find = (m: Member) =>
    suite.client.request(Rpcs.slotsFind, { tenantId: m.tenantId, serviceId: m.serviceId, memberId: m.memberId, from: at(0), to: at(23, 59), limit: 50, timeZone: ZONE });
  const slots = async (m: Member) => (await find(m)).slots.map((s) => s.start);

  /** An event the owner makes in Google Calendar, with the marker everywhere it can be. */
  const ownerEvent = (calendarId: string, start: string, end: string, extra: Partial<Parameters<FakeGoogle['ownerInsert']>[1]> = {}) =>
    suite.fake.ownerInsert(calendarId, {
      start: { dateTime: start },
      end: { dateTime: end },
      summary: `Dentist ${MARKER}`,
      description: `notes ${MARKER}`,
      location: `Main St ${MARKER}`,
      attendees: [{ email: `${MARKER.toLowerCase()}@example.com`, displayName: MARKER }],
      ...extra,
    });

  const write = (m: Member, calendarId: string, bookingId: string, start: string, end: string) => ({
    tenantId: m.tenantId,
    calendarId,
    bookingId,
    start,
    end,
    title: 'Consultation with Sam',
    description: 'Booked by phone',
  });

  const eventsChanged: { bookingId: string; change: string; start?: string; end?: string }[] = [];
  beforeAll(() => {
    suite.raw.subscribe('calendar.v1.events.calendar.booking_event_changed', {
      callback: (_error, msg) => eventsChanged.push(JSON.parse(new TextDecoder().decode(msg.data))),
    });
  });

  it('connects through the gateway callback: narrow scopes, offline access, roles, zone warnings, sealed tokens, channels', async () => {
    const m = await member();
    suite.fake.addCalendar(m.email, { id: `holidays-${m.email}`, summary: 'Holidays', timeZone: 'Europe/Paris', accessRole: 'reader' });
    suite.fake.addCalendar(m.email, { id: `side-${m.email}`, summary: 'Side', timeZone: ZONE, accessRole: 'owner' });

    const { authorizationUrl } = await suite.client.request(Rpcs.connectionsAuthorize, { tenantId: m.tenantId, memberId: m.memberId, provider: 'google' });
    const url = new URL(authorizationUrl);
    expect(url.searchParams.get('access_type')).toBe('offline');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.get('redirect_uri')).toBe(`${suite.gateway.url}/v1/oauth/google/callback`);
    expect(url.searchParams.get('scope')!.split(' ').sort()).toEqual([
      'https://www.googleapis.com/auth/calendar.calendarlist.readonly',
      'https://www.googleapis.com/auth/calendar.events.freebusy',
      'https://www.googleapis.com/auth/calendar.events.owned',
    ]);

    const connection = await connect(m);
    expect(connection).toMatchObject({ id: expect.stringMatching(/^google:/), provider: 'google', status: Connection_Status.connected, memberId: m.memberId });
    const byName = new Map(connection.calendars.map((c) => [c.name, c]));
    expect(byName.get(m.email)).toMatchObject({ role: CalendarInfo_Role.booking, writable: true, timeZone: ZONE, warnings: [] });
    expect(byName.get('Holidays')).toMatchObject({ role: CalendarInfo_Role.blocking, writable: false, warnings: ['time_zone_differs'] });
    expect(byName.get('Side')).toMatchObject({ role: CalendarInfo_Role.blocking, writable: true });
    expect(connection.calendars.every((c) => c.calendarId.startsWith('google:'))).toBe(true);

    // One channel per booking and blocking calendar, each with its own random token.
    await waitFor(() => suite.fake.liveChannels().filter((c) => c.account === m.email).length === 3);
    const tokens = suite.fake.liveChannels().filter((c) => c.account === m.email).map((c) => c.token);
    expect(new Set(tokens).size).toBe(3);

    // The tokens Google issued are nowhere in the table in clear.
    const rows = await suite.database.query(`SELECT * FROM connector_google.connections WHERE id = $1`, [connection.id]);
    expect(rows[0]).toMatchObject({ credentials_key_id: 'k1', status: 'connected' });
    const stored = JSON.stringify(rows);
    for (const grant of suite.fake.grants) expect(stored).not.toContain(grant.refreshToken!);
    for (const token of suite.fake.issuedAccessTokens()) expect(stored).not.toContain(token);

    await waitFor(async () => (await slots(m)).length === 8, { timeoutMs: 5_000 });
  });

  it('refuses a forged or expired state at the callback and connects nothing', async () => {
    const m = await member();
    const forged = await fetch(`${suite.gateway.url}/v1/oauth/google/callback?state=abc.def&code=x`);
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('invalid_argument');
    const declined = await fetch(`${suite.gateway.url}/v1/oauth/google/callback?state=x&error=access_denied`);
    expect(declined.status).toBe(400);
    expect(await suite.database.query(`SELECT * FROM connector_google.connections WHERE member_id = $1`, [m.memberId])).toEqual([]);
  });

  it('refuses a declined consent, an unticked permission and a used code, connecting nothing', async () => {
    const m = await member();
    /** The browser's way through consent to the gateway's callback, and the callback's answer. */
    const signIn = async (consent: FakeGoogle['consent']) => {
      const { authorizationUrl } = await suite.client.request(Rpcs.connectionsAuthorize, { tenantId: m.tenantId, memberId: m.memberId, provider: 'google' });
      suite.fake.consent = consent;
      const callbackUrl = (await fetch(authorizationUrl, { redirect: 'manual' })).headers.get('location')!;
      return { callbackUrl, answer: await fetch(callbackUrl) };
    };
    const refusal = async (answer: Response) => ({ status: answer.status, ...((await answer.json()) as { error: { code: string; details: { reason?: string } } }).error });

    const declined = await signIn({ account: m.email, deny: true });
    expect(await refusal(declined.answer)).toMatchObject({ status: 409, code: 'failed_precondition', details: { reason: 'consent_declined' } });

    const grantsBefore = suite.fake.grants.length;
    const unticked = await signIn({ account: m.email, grantScopes: ['https://www.googleapis.com/auth/calendar.events.freebusy'] });
    expect(await refusal(unticked.answer)).toMatchObject({ status: 409, code: 'failed_precondition', details: { reason: 'scopes_missing' } });
    // What was granted is handed back at once.
    expect(suite.fake.grants.slice(grantsBefore).every((grant) => grant.revoked)).toBe(true);

    const used = await signIn({ account: m.email });
    expect(used.answer.status).toBe(200);
    await suite.client.request(Rpcs.connectionsDisconnect, { tenantId: m.tenantId, connectionId: ((await used.answer.json()) as { connection: Connection }).connection.id });
    // The used code with a fresh state: its own state would be refused before the code is looked at.
    const { authorizationUrl } = await suite.client.request(Rpcs.connectionsAuthorize, { tenantId: m.tenantId, memberId: m.memberId, provider: 'google' });
    const replay = new URL(used.callbackUrl);
    replay.searchParams.set('state', new URL(authorizationUrl).searchParams.get('state')!);
    expect(await refusal(await fetch(replay))).toMatchObject({ status: 409, code: 'failed_precondition', details: { reason: 'invalid_code' } });
    expect(await suite.database.query(`SELECT status FROM connector_google.connections WHERE member_id = $1`, [m.memberId])).toEqual([{ status: 'disconnected' }]);
  });

  oauthSignInGuards({ suite, provider: 'google', schema: 'connector_google', credentialKeys: CREDENTIALS_ENCRYPTION_KEYS, member });

  it('lets the owner choose the booking calendar and the blocking ones; other providers\' ids are left to them', async () => {
    const m = await member();
    const side = suite.fake.addCalendar(m.email, { summary: 'Side', accessRole: 'owner' });
    const connection = await connect(m);
    const sideId = connection.calendars.find((c) => c.name === 'Side')!.calendarId;
    const primaryId = connection.calendars.find((c) => c.name === m.email)!.calendarId;

    const { calendar } = await suite.client.request(Rpcs.calendarsSetRole, { tenantId: m.tenantId, calendarId: sideId, role: CalendarInfo_Role.booking });
    expect(calendar).toMatchObject({ calendarId: sideId, role: CalendarInfo_Role.booking });
    const { calendars } = await suite.client.request(rpcs.calendars, { tenantId: m.tenantId, memberId: m.memberId });
    expect(new Map(calendars.map((c) => [c.calendarId, c.role]))).toEqual(new Map([[sideId, 'booking'], [primaryId, 'blocking']]));

    await suite.client.request(Rpcs.calendarsSetRole, { tenantId: m.tenantId, calendarId: primaryId, role: CalendarInfo_Role.ignored });
    await waitFor(() => suite.fake.liveChannels(m.primary).length === 0);
    expect(suite.fake.liveChannels(side.id)).toHaveLength(1);
    const refused = await suite.client.request(Rpcs.calendarsSetRole, { tenantId: m.tenantId, calendarId: sideId, role: CalendarInfo_Role.ignored }).catch((e) => e);
    expect(refused).toMatchObject({ code: 'failed_precondition' });

    // Another connector's id: no answer from this one.
    const other = await suite.client
      .request(Rpcs.calendarsSetRole, { tenantId: m.tenantId, calendarId: `caldav:${randomUUID()}`, role: CalendarInfo_Role.blocking }, { timeoutMs: 300 })
      .catch((e) => e);
    expect(other).toMatchObject({ code: 'deadline_exceeded' });
  });

  it('reads busy with freeBusy.query: long windows split and merged, per-calendar errors kept per calendar', async () => {
    const m = await member();
    const broken = suite.fake.addCalendar(m.email, { summary: 'Broken', accessRole: 'reader' });
    const blocking = suite.fake.addCalendar(m.email, { summary: 'Team', accessRole: 'reader' });
    await connected(m);
    ownerEvent(m.primary, at(10), at(11));
    ownerEvent(blocking.id, at(13), at(14));
    ownerEvent(m.primary, at(15), at(16), { transparency: 'transparent' });
    suite.fake.calendar(broken.id).freeBusyError = 'internalError';

    const before = suite.fake.requestsTo('POST', /freeBusy$/).length;
    const from = day.minus({ days: 50 }).toISO()!;
    const to = day.plus({ days: 60 }).toISO()!;
    const busy = await suite.client.request(rpcs.busy, { tenantId: m.tenantId, memberId: m.memberId, from, to, fresh: true });
    const queries = suite.fake.requestsTo('POST', /freeBusy$/).slice(before);
    expect(queries).toHaveLength(2);
    for (const q of queries) {
      const body = q.body as { timeMin: string; timeMax: string };
      expect(Date.parse(body.timeMax) - Date.parse(body.timeMin)).toBeLessThanOrEqual(60 * 86_400_000);
    }
    const byName = new Map(busy.calendars.map((c) => [c.calendarId, c]));
    const { calendars } = await suite.client.request(rpcs.calendars, { tenantId: m.tenantId, memberId: m.memberId });
    const ids = await suite.database.query(`SELECT id, name FROM connector_google.calendars WHERE member_id = $1`, [m.memberId]);
    const idOf = (name: string) => ids.find((r) => r.name === name)!.id as string;
    expect(calendars).toHaveLength(3);
    expect(byName.get(idOf(m.email))!.busy.map((b) => [Date.parse(b.start), Date.parse(b.end)])).toEqual([[Date.parse(at(10)), Date.parse(at(11))]]);
    expect(byName.get(idOf('Team'))!.busy.map((b) => Date.parse(b.start))).toEqual([Date.parse(at(13))]);
    expect(byName.get(idOf('Broken'))!.error).toMatchObject({ code: 'unavailable', details: { reason: 'calendar_unavailable' } });
    expect(byName.get(idOf(m.email))!.error).toBeUndefined();
    suite.fake.calendar(broken.id).freeBusyError = undefined;
  });

  it('books, moves and cancels: a client-chosen id, sendUpdates=none, the booking id in private properties, etags', async () => {
    const m = await member();
    const { bookingCalendarId } = await connected(m);
    const bookingId = randomUUID();
    const created = await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, bookingId, at(10), at(11)));
    expect(created).toMatchObject({ found: true, event: { eventId: eventIdOf(bookingId), calendarId: bookingCalendarId, bookingId } });
    const insert = suite.fake.requestsTo('POST', /\/events$/).at(-1)!;
    expect(insert.query.sendUpdates).toBe('none');
    const event = suite.fake.event(m.primary, eventIdOf(bookingId))!;
    expect(event.extendedProperties?.private).toEqual({ calldeskBookingId: bookingId });
    expect(event.summary).toBe('Consultation with Sam');

    // A retry of the same create (the caller never saw the answer) finds the event: still one.
    const again = await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, bookingId, at(10), at(11)));
    expect(again.event?.eventId).toBe(eventIdOf(bookingId));
    expect(suite.fake.liveEvents(m.primary).filter((e) => e.extendedProperties?.private?.calldeskBookingId === bookingId)).toHaveLength(1);
    await waitFor(async () => !(await slots(m)).includes(at(10)), { timeoutMs: 2_000 }).catch(() => undefined);

    // The owner touched the event (its etag changed): the move still goes through, with If-Match.
    suite.fake.ownerPatch(m.primary, eventIdOf(bookingId), { colorId: '5' } as never);
    const moved = await suite.client.request(rpcs.updateEvent, write(m, bookingCalendarId, bookingId, at(14), at(15)));
    expect(Date.parse(moved.event!.start)).toBe(Date.parse(at(14)));
    const patches = suite.fake.requestsTo('PATCH', new RegExp(eventIdOf(bookingId)));
    expect(patches.map((p) => p.headers['if-match'])).toEqual([expect.any(String), expect.any(String)]);
    expect(Date.parse(suite.fake.event(m.primary, eventIdOf(bookingId))!.start.dateTime!)).toBe(Date.parse(at(14)));

    const found = await suite.client.request(rpcs.findEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId });
    expect(found).toMatchObject({ found: true, event: { eventId: eventIdOf(bookingId) } });
    expect(await suite.client.request(rpcs.deleteEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId })).toMatchObject({ found: true });
    expect(suite.fake.event(m.primary, eventIdOf(bookingId))!.status).toBe('cancelled');
    expect(await suite.client.request(rpcs.deleteEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId })).toMatchObject({ found: false });
    expect(await suite.client.request(rpcs.findEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId })).toMatchObject({ found: false });
    // Our own cancellation is not reported as the owner's.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(eventsChanged.filter((e) => e.bookingId === bookingId)).toEqual([]);
  });

  it('shows a change made in Google in slots.find within 2 s, through push alone', async () => {
    const m = await member();
    await connected(m);
    expect(await slots(m)).toContain(at(11));
    const latencies: number[] = [];
    for (const hour of [11, 13, 15]) {
      const started = Date.now();
      ownerEvent(m.primary, at(hour, 15), at(hour, 45));
      await waitFor(async () => !(await slots(m)).includes(at(hour)), { timeoutMs: 2_000, intervalMs: 20 });
      latencies.push(Date.now() - started);
    }
    pushLatencies.push(...latencies);
    expect(Math.max(...latencies)).toBeLessThan(2_000);
  });

  it('tells the booking service when the owner deletes or moves one of our events', async () => {
    const m = await member();
    const { bookingCalendarId } = await connected(m);
    const deleted = randomUUID();
    const moved = randomUUID();
    await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, deleted, at(9), at(10)));
    await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, moved, at(11), at(12)));
    suite.fake.ownerDelete(m.primary, eventIdOf(deleted));
    suite.fake.ownerPatch(m.primary, eventIdOf(moved), { start: { dateTime: at(13) }, end: { dateTime: at(14) } });
    await waitFor(() => eventsChanged.filter((e) => e.bookingId === deleted || e.bookingId === moved).length === 2, { timeoutMs: 3_000 });
    expect(eventsChanged.find((e) => e.bookingId === deleted)).toMatchObject({ tenantId: m.tenantId, memberId: m.memberId, calendarId: bookingCalendarId, change: 'deleted' });
    const change = eventsChanged.find((e) => e.bookingId === moved)!;
    expect(change).toMatchObject({ change: 'moved' });
    expect([Date.parse(change.start!), Date.parse(change.end!)]).toEqual([Date.parse(at(13)), Date.parse(at(14))]);
  });

  it('reads the calendar list again: a calendar made since blocks time, a deleted one takes our events with it', async () => {
    const m = await member();
    const workAtGoogle = suite.fake.addCalendar(m.email, { summary: 'Work' });
    const connection = await connect(m);
    const work = connection.calendars.find((c) => c.name === 'Work')!.calendarId;
    const primary = connection.calendars.find((c) => c.name === m.email)!.calendarId;
    await suite.client.request(Rpcs.calendarsSetRole, { tenantId: m.tenantId, calendarId: work, role: CalendarInfo_Role.booking });
    const bookingId = randomUUID();
    await suite.client.request(rpcs.createEvent, write(m, work, bookingId, at(9), at(10)));
    const side = suite.fake.addCalendar(m.email, { summary: 'Side' });
    ownerEvent(side.id, at(11, 15), at(11, 45));
    await waitFor(async () => (await slots(m)).includes(at(11)), { timeoutMs: 5_000 });
    // Until the list is read again, the deleted calendar cannot be read: the member is left out.
    suite.fake.ownerDeleteCalendar(workAtGoogle.id);

    // Due now, as if the last reading were long ago: the next maintenance round reads the list.
    await suite.database.query(`UPDATE connector_google.connections SET calendars_listed_at = now() - interval '1 day' WHERE id = $1`, [connection.id]);
    await waitFor(
      async () => {
        const offered = await slots(m);
        return offered.includes(at(13)) && !offered.includes(at(11));
      },
      { timeoutMs: 5_000 },
    );
    await waitFor(() => eventsChanged.some((e) => e.bookingId === bookingId), { timeoutMs: 3_000 });
    expect(eventsChanged.find((e) => e.bookingId === bookingId)).toMatchObject({ tenantId: m.tenantId, memberId: m.memberId, calendarId: work, change: 'deleted' });
    const { calendars } = await suite.client.request(rpcs.calendars, { tenantId: m.tenantId, memberId: m.memberId });
    const sideId = calendars.find((c) => c.calendarId !== primary)!.calendarId;
    // The member still has a booking calendar: the primary, the one writable calendar left.
    expect(new Map(calendars.map((c) => [c.calendarId, c.role]))).toEqual(new Map([[primary, 'booking'], [sideId, 'blocking']]));
    await waitFor(() => suite.fake.liveChannels(side.id).length === 1);
  });

  it('syncs in full when Google says the sync token expired (410), and still finds what the owner did', async () => {
    const m = await member();
    const { bookingCalendarId } = await connected(m);
    const bookingId = randomUUID();
    await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, bookingId, at(9), at(10)));
    await suite.fake.settled();
    await new Promise((resolve) => setTimeout(resolve, 200));
    suite.fake.expireSyncTokens(m.primary);
    const before = suite.fake.requestsTo('GET', /\/events$/).length;
    suite.fake.ownerDelete(m.primary, eventIdOf(bookingId));
    await waitFor(() => eventsChanged.some((e) => e.bookingId === bookingId && e.change === 'deleted'), { timeoutMs: 3_000 });
    const lists = suite.fake.requestsTo('GET', /\/events$/).slice(before).filter((r) => r.path.includes(encodeURIComponent(m.primary)) || r.path.includes(m.primary));
    expect(lists.some((r) => r.query.syncToken)).toBe(true);
    expect(lists.some((r) => !r.query.syncToken && r.query.timeMin)).toBe(true);
  });

  it('renews a channel before it expires: a new one first, then the old one stopped', async () => {
    const m = await member();
    await connected(m);
    const [old] = suite.fake.liveChannels(m.primary);
    await suite.database.query(`UPDATE connector_google.channels SET expires_at = now() + interval '1 second' WHERE id = $1`, [old.id]);
    await waitFor(() => suite.fake.liveChannels(m.primary).some((c) => c.id !== old.id) && suite.fake.channels.get(old.id)!.stopped, { timeoutMs: 3_000 });
    expect(suite.fake.liveChannels(m.primary)).toHaveLength(1);
  });

  it('refreshes an expired access token mid-session without the caller noticing', async () => {
    const m = await member();
    await connected(m);
    const refreshes = () => suite.fake.requestsTo('POST', /^\/token$/).filter((r) => (r.body as Record<string, string>).grant_type === 'refresh_token').length;
    const before = refreshes();
    suite.fake.expireAccessTokens();
    const busy = await suite.client.request(rpcs.busy, { tenantId: m.tenantId, memberId: m.memberId, from: at(0), to: at(23), fresh: true });
    expect(busy.calendars.every((c) => !c.error)).toBe(true);
    expect(refreshes()).toBe(before + 1);
  });

  it('marks the connection needs_reauth on invalid_grant, tells the owner, and offers no slots for the member', async () => {
    const m = await member();
    const { connection } = await connected(m);
    const statuses: { status: string; connectionId: string }[] = [];
    const subscription = suite.raw.subscribe('calendar.v1.events.connection.status', {
      callback: (_error, msg) => statuses.push(JSON.parse(new TextDecoder().decode(msg.data))),
    });
    suite.fake.revokeGrants(m.email);
    const busy = await suite.client.request(rpcs.busy, { tenantId: m.tenantId, memberId: m.memberId, from: at(0), to: at(23), fresh: true }).catch((e) => e);
    const reason = busy instanceof RpcError ? busy.details.reason : busy.calendars[0].error?.details?.reason;
    expect(reason).toBe('needs_reauth');
    await waitFor(() => statuses.some((s) => s.connectionId === connection.id && s.status === 'needs_reauth'), { timeoutMs: 3_000 });
    subscription.unsubscribe();
    await waitFor(async () => (await find(m)).skipped[0]?.reason === 'needs_reauth', { timeoutMs: 3_000 });
    expect((await find(m)).slots).toEqual([]);
    const [row] = await suite.database.query(`SELECT status FROM connector_google.connections WHERE id = $1`, [connection.id]);
    expect(row.status).toBe('needs_reauth');
    // Writing is refused cleanly too.
    const calendarId = connection.calendars[0].calendarId;
    const refused = await suite.client.request(rpcs.createEvent, write(m, calendarId, randomUUID(), at(10), at(11))).catch((e) => e);
    expect(refused).toMatchObject({ code: 'failed_precondition', details: { reason: 'needs_reauth' } });
    // The owner connects again: the same connection, connected, and the member is offered again.
    const again = await connect(m);
    expect(again).toMatchObject({ id: connection.id, status: Connection_Status.connected });
    await waitFor(async () => (await slots(m)).length === 8, { timeoutMs: 5_000 });
  });

  it('completes bookings through 429 bursts (Retry-After honoured) and fails cleanly on 500s, never with two events', async () => {
    const m = await member();
    const { bookingCalendarId } = await connected(m);
    const ours = (bookingId: string) => suite.fake.liveEvents(m.primary).filter((e) => e.id === eventIdOf(bookingId));

    suite.fake.inject({ status: 429, retryAfter: '0.3', times: 2, match: (r) => r.method === 'POST' && r.path.endsWith('/events') });
    const throttled = randomUUID();
    let started = Date.now();
    await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, throttled, at(9), at(10)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(ours(throttled)).toHaveLength(1);

    suite.fake.inject({ status: 500, times: 1_000, match: (r) => r.method === 'POST' && r.path.endsWith('/events') });
    const failing = randomUUID();
    started = Date.now();
    const error = await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, failing, at(11), at(12))).catch((e) => e);
    expect(error).toMatchObject({ code: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(4_000);
    suite.fake.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, 600)); // the circuit closes again
    await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, failing, at(11), at(12)));
    expect(ours(failing)).toHaveLength(1);

    // Slow Google: the first insert lands after the attempt timed out; the retry meets 409 and answers it.
    const slow = randomUUID();
    suite.fake.delayMs = 900;
    try {
      const reply = await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, slow, at(13), at(14))).catch((e) => e);
      if (reply instanceof RpcError) expect(reply.code).toBe('unavailable');
    } finally {
      suite.fake.delayMs = 0;
    }
    await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, slow, at(13), at(14)));
    expect(ours(slow)).toHaveLength(1);
    const inserts = suite.fake.requestsTo('POST', /\/events$/).filter((r) => (r.body as { id?: string }).id === eventIdOf(slow));
    expect(inserts.length).toBeGreaterThan(1);
  });

  it('refuses webhooks with a wrong channel token, and they change nothing', async () => {
    const m = await member();
    await connected(m);
    const [channel] = suite.fake.liveChannels(m.primary);
    // This member's changes and reads only: the previous test's slow insert may still be syncing.
    const changes: string[] = [];
    const subscription = suite.raw.subscribe('calendar.v1.events.calendar.changed', {
      callback: (_e, msg) => {
        if (JSON.parse(new TextDecoder().decode(msg.data)).tenantId === m.tenantId) changes.push(msg.subject);
      },
    });
    const reads = () => suite.fake.requestsTo('GET', /\/events$/).filter((r) => r.path.includes(encodeURIComponent(m.primary)) || r.path.includes(m.primary)).length;
    const lists = reads();
    const post = (headers: Record<string, string>) => fetch(`${suite.gateway.url}/v1/webhooks/google`, { method: 'POST', headers });
    const base = { 'x-goog-channel-id': channel.id, 'x-goog-resource-id': channel.resourceId, 'x-goog-resource-state': 'exists', 'x-goog-message-number': '99' };
    expect((await post({ ...base, 'x-goog-channel-token': `${channel.token}x` })).status).toBe(401);
    expect((await post({ ...base, 'x-goog-channel-token': 'forged.token' })).status).toBe(401);
    expect((await post(base)).status).toBe(401);
    // A genuine token for another channel id is refused too.
    const [other] = suite.fake.liveChannels().filter((c) => c.id !== channel.id);
    expect((await post({ ...base, 'x-goog-channel-token': other.token! })).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    subscription.unsubscribe();
    expect(changes).toEqual([]);
    expect(reads()).toBe(lists);
    // The genuine one is taken.
    expect((await post({ ...base, 'x-goog-channel-token': channel.token! })).status).toBe(200);
  });

  it('disconnects: channels stopped, the grant revoked, the credentials deleted', async () => {
    const m = await member();
    const { connection } = await connected(m);
    const reply = await suite.client.request(Rpcs.connectionsDisconnect, { tenantId: m.tenantId, connectionId: connection.id });
    expect(reply.connection).toMatchObject({ id: connection.id, status: Connection_Status.disconnected });
    expect(suite.fake.liveChannels(m.primary)).toEqual([]);
    expect(suite.fake.grants.filter((g) => g.account === m.email).every((g) => g.revoked)).toBe(true);
    const [row] = await suite.database.query(`SELECT status, credentials_sealed, credentials_key_id FROM connector_google.connections WHERE id = $1`, [connection.id]);
    expect(row).toEqual({ status: 'disconnected', credentials_sealed: null, credentials_key_id: null });
    await waitFor(async () => (await find(m)).skipped[0]?.reason === 'not_connected', { timeoutMs: 3_000 }).catch(() => undefined);
  });

  it('leaves no trace of event details: not in Postgres, logs, NATS messages or spans', async () => {
    // Everything above ran with the marker in every owner event; one more full round here.
    const m = await member();
    const { bookingCalendarId } = await connected(m);
    ownerEvent(m.primary, at(12), at(13));
    await waitFor(async () => !(await slots(m)).includes(at(12)), { timeoutMs: 2_000 });
    const bookingId = randomUUID();
    await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, bookingId, at(15), at(16)));
    await suite.client.request(rpcs.updateEvent, write(m, bookingCalendarId, bookingId, at(16), at(17)));
    await suite.fake.settled();
    await new Promise((resolve) => setTimeout(resolve, 300));

    // The fake did hand the marker out (the booking calendar is readable in full): the check means something.
    expect(suite.fake.liveEvents(m.primary).some((e) => e.summary?.includes(MARKER))).toBe(true);
    const dump = await suite.database.dump();
    expect(dump.length).toBeGreaterThan(1_000);
    expect(dump).not.toContain(MARKER);
    expect(dump.toLowerCase()).not.toContain(MARKER.toLowerCase());
    expect(suite.output.text().length).toBeGreaterThan(0);
    expect(suite.output.text()).not.toContain(MARKER);
    expect(suite.natsMessages.length).toBeGreaterThan(50);
    expect(suite.natsMessages.join('\n')).not.toContain(MARKER);
    // Google was asked for times only: the fields of every read and write, and narrow scopes.
    const ownReads = suite.fake.requests.filter((r) => r.path.startsWith('/calendar/v3/calendars/') && r.method !== 'DELETE' && !r.path.endsWith('/watch'));
    expect(ownReads.length).toBeGreaterThan(10);
    for (const request of ownReads) expect(request.query.fields).toMatch(/^(items\(id,status,start,end,transparency\),nextPageToken,nextSyncToken|id,etag,status,start,end,extendedProperties\/private)$/);
    expect(suite.fake.requestsTo('GET', /calendarList$/).every((r) => r.query.fields === 'items(id,summary,timeZone,accessRole,primary),nextPageToken')).toBe(true);
    expect(new Set(suite.fake.grants.flatMap((g) => g.scopes))).toEqual(
      new Set(['calendar.calendarlist.readonly', 'calendar.events.freebusy', 'calendar.events.owned'].map((s) => `https://www.googleapis.com/auth/${s}`)),
    );
    const spans = telemetry.memory!.getFinishedSpans();
    expect(spans.some((s) => s.name.startsWith('google '))).toBe(true);
    const spanText = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
    expect(spanText).not.toContain(MARKER);

    // Sign-in secrets: no state, code or PKCE verifier in a log or span; none but codes and states on NATS (to the connector); none in clear in Postgres.
    const { states, codes, verifiers } = signInSecretsSeen(suite.fake);
    expect([states.length, codes.length, verifiers.length].every((n) => n > 5)).toBe(true);
    const nats = suite.natsMessages.join('\n');
    for (const secret of [...states, ...codes, ...verifiers]) {
      expect(suite.output.text()).not.toContain(secret);
      expect(spanText).not.toContain(secret);
      expect(dump).not.toContain(secret);
    }
    for (const verifier of verifiers) expect(nats).not.toContain(verifier);
  });
});
