import { startTelemetry } from '@calldesk/telemetry';
import { randomBytes, randomUUID } from 'node:crypto';
import { CalendarInfo_Role, connectorRpcs, Connection_Status, Rpcs, RpcError, Service_Strategy, type Connection } from '@calldesk/contracts';
import { connectorSuite, FakeMicrosoft, oauthSignInGuards, signInSecretsSeen, waitFor, type GraphEventInput } from '@calldesk/testing';
import { DateTime } from 'luxon';
import { BOOKING_PROPERTY } from './graph/event-writes';

// Every span of this process, in memory: the privacy check reads them all.
const telemetry = startTelemetry('connector-microsoft-int', { inMemory: true });

jest.setTimeout(60_000);

const MARKER = `MARKER${randomBytes(6).toString('hex')}`;
const ZONE = 'America/New_York';
const day = DateTime.now().setZone(ZONE).plus({ days: 2 }).startOf('day');
const at = (hour: number, minute = 0) => day.set({ hour, minute }).toISO({ suppressMilliseconds: true })!;
const utc = (iso: string) => ({ dateTime: new Date(iso).toISOString().replace(/\.\d{3}Z$/, ''), timeZone: 'UTC' });
const rpcs = connectorRpcs('microsoft');
const WEBHOOK_SECRET = 'webhook-secret-for-tests-only';
const CREDENTIALS_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;

describe('connector-microsoft against the fake Graph (real NATS, Postgres, gateway, availability)', () => {
  const suite = connectorSuite({
    fake: () => FakeMicrosoft.start({ allowInsecureWebhooks: true, maxPageSize: 3 }),
    env: { WEBHOOK_SECRET },
    connector: (fake, gatewayUrl) => ({
      service: 'connector-microsoft',
      env: {
        LOG_LEVEL: 'debug',
        CREDENTIALS_ENCRYPTION_KEYS,
        CREDENTIALS_ACTIVE_KEY_ID: 'k1',
        MICROSOFT_CLIENT_ID: fake.clientId,
        MICROSOFT_CLIENT_SECRET: fake.clientSecret,
        OAUTH_STATE_SECRET: 'state-secret-for-tests-only',
        WEBHOOK_SECRET,
        PUBLIC_BASE_URL: gatewayUrl,
        MICROSOFT_AUTHORIZE_URL: fake.authorizeUrl,
        MICROSOFT_TOKEN_URL: fake.tokenUrl,
        MICROSOFT_GRAPH_URL: fake.graphUrl,
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
  const eventsChanged: { bookingId: string; change: string; start?: string; end?: string; tenantId: string }[] = [];

  beforeAll(() => {
    suite.raw.subscribe('calendar.v1.events.calendar.booking_event_changed', {
      callback: (_error, msg) => eventsChanged.push(JSON.parse(new TextDecoder().decode(msg.data))),
    });
  });

  afterAll(() => {
    if (pushLatencies.length) process.stdout.write(`microsoft push-to-slots latency (ms): ${pushLatencies.join(', ')}\n`);
  });

  async function member(mailboxZone = 'Eastern Standard Time') {
    const { tenant } = await suite.client.request(Rpcs.tenantsCreate, { name: `t-${randomUUID()}`, timeZone: ZONE });
    const tenantId = tenant!.id;
    const { member } = await suite.client.request(Rpcs.membersCreate, { tenantId, name: 'Robin', timeZone: ZONE });
    const memberId = member!.id;
    const weeklyHours = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
    await suite.client.request(Rpcs.availabilitySet, { tenantId, memberId, weeklyHours });
    const { service } = await suite.client.request(Rpcs.servicesCreate, { tenantId, name: 'Visit', durationMinutes: 60, memberIds: [memberId], strategy: Service_Strategy.specific });
    const email = `${randomUUID().slice(0, 8)}@example.com`;
    const primary = suite.fake.addAccount(email, mailboxZone);
    return { tenantId, memberId, serviceId: service!.id, email, primary: primary.id };
  }

  type Member = Awaited<ReturnType<typeof member>>;

  async function connect(m: Member): Promise<Connection> {
    const { authorizationUrl } = await suite.client.request(Rpcs.connectionsAuthorize, { tenantId: m.tenantId, memberId: m.memberId, provider: 'microsoft' });
    suite.fake.consent = { account: m.email };
    const consent = await fetch(authorizationUrl, { redirect: 'manual' });
    const callback = await fetch(consent.headers.get('location')!);
    const body = (await callback.json()) as { connection: Connection };
    if (callback.status !== 200) throw new Error(`callback answered ${callback.status}: ${JSON.stringify(body)}`);
    return body.connection;
  }

  async function connected(m: Member) {
    const connection = await connect(m);
    await waitFor(async () => (await slots(m)).length > 0, { timeoutMs: 5_000 });
    return { connection, bookingCalendarId: connection.calendars.find((c) => c.role === CalendarInfo_Role.booking)!.calendarId };
  }

  const find = (m: Member) =>
    suite.client.request(Rpcs.slotsFind, { tenantId: m.tenantId, serviceId: m.serviceId, memberId: m.memberId, from: at(0), to: at(23, 59), limit: 50, timeZone: ZONE });
  const slots = async (m: Member) => (await find(m)).slots.map((s) => s.start);

  const ownerEvent = (calendarId: string, start: string, end: string, extra: Partial<GraphEventInput> = {}) =>
    suite.fake.ownerCreate(calendarId, {
      start: utc(start),
      end: utc(end),
      subject: `Dentist ${MARKER}`,
      body: { contentType: 'text', content: `notes ${MARKER}` },
      location: { displayName: `Main St ${MARKER}` },
      attendees: [{ emailAddress: { name: MARKER, address: `${MARKER.toLowerCase()}@example.com` }, type: 'required' }],
      ...extra,
    });

  const write = (m: Member, calendarId: string, bookingId: string, start: string, end: string) => ({
    tenantId: m.tenantId,
    calendarId,
    bookingId,
    start,
    end,
    title: 'Visit with Sam',
    description: 'Booked by phone',
  });

  const ourEvents = (m: Member, bookingId: string) =>
    suite.fake.events(m.primary).filter((e) => e.singleValueExtendedProperties?.some((p) => p.id === BOOKING_PROPERTY && p.value === bookingId));

  it('connects through the gateway callback: scopes, roles, the mailbox zone, sealed tokens, validated subscriptions', async () => {
    const m = await member('Pacific Standard Time');
    suite.fake.addCalendar(m.email, { name: 'Shared', canEdit: false });
    const { authorizationUrl } = await suite.client.request(Rpcs.connectionsAuthorize, { tenantId: m.tenantId, memberId: m.memberId, provider: 'microsoft' });
    const url = new URL(authorizationUrl);
    expect(url.searchParams.get('scope')).toBe('offline_access Calendars.ReadWrite MailboxSettings.Read');
    expect(url.searchParams.get('redirect_uri')).toBe(`${suite.gateway.url}/v1/oauth/microsoft/callback`);
    expect(url.searchParams.get('state')).toBeTruthy();

    const connection = await connect(m);
    expect(connection).toMatchObject({ id: expect.stringMatching(/^microsoft:/), provider: 'microsoft', status: Connection_Status.connected });
    const byName = new Map(connection.calendars.map((c) => [c.name, c]));
    expect(byName.get('Calendar')).toMatchObject({ role: CalendarInfo_Role.booking, writable: true, timeZone: 'America/Los_Angeles', warnings: ['time_zone_differs'] });
    expect(byName.get('Shared')).toMatchObject({ role: CalendarInfo_Role.blocking, writable: false });

    await waitFor(() => suite.fake.liveSubscriptions().filter((s) => s.account === m.email).length === 2);
    const validations = suite.fake.deliveries.filter((d) => d.url.startsWith(`${suite.gateway.url}/v1/webhooks/microsoft?validationToken=`));
    expect(validations.length).toBeGreaterThanOrEqual(4); // notification and lifecycle URL, per subscription
    expect(validations.every((d) => d.status === 200)).toBe(true);
    const states = suite.fake.liveSubscriptions().filter((s) => s.account === m.email).map((s) => s.clientState);
    expect(new Set(states).size).toBe(2);

    const rows = await suite.database.query(`SELECT * FROM connector_microsoft.connections WHERE id = $1`, [connection.id]);
    const stored = JSON.stringify(rows);
    for (const grant of suite.fake.grants) expect(stored).not.toContain(grant.refreshToken!);
    for (const token of suite.fake.issuedAccessTokens()) expect(stored).not.toContain(token);
    await waitFor(async () => (await slots(m)).length === 8, { timeoutMs: 5_000 });
  });

  it('refuses a declined consent and a used code, connecting nothing', async () => {
    const m = await member();
    const signIn = async (consent: FakeMicrosoft['consent']) => {
      const { authorizationUrl } = await suite.client.request(Rpcs.connectionsAuthorize, { tenantId: m.tenantId, memberId: m.memberId, provider: 'microsoft' });
      suite.fake.consent = consent;
      const callbackUrl = (await fetch(authorizationUrl, { redirect: 'manual' })).headers.get('location')!;
      return { callbackUrl, answer: await fetch(callbackUrl) };
    };
    const refusal = async (answer: Response) => ({ status: answer.status, ...((await answer.json()) as { error: { code: string; details: { reason?: string } } }).error });

    const declined = await signIn({ account: m.email, deny: true });
    expect(await refusal(declined.answer)).toMatchObject({ status: 409, code: 'failed_precondition', details: { reason: 'consent_declined' } });

    const used = await signIn({ account: m.email });
    expect(used.answer.status).toBe(200);
    await suite.client.request(Rpcs.connectionsDisconnect, { tenantId: m.tenantId, connectionId: ((await used.answer.json()) as { connection: Connection }).connection.id });
    // The used code with a fresh state: its own state would be refused before the code is looked at.
    const { authorizationUrl } = await suite.client.request(Rpcs.connectionsAuthorize, { tenantId: m.tenantId, memberId: m.memberId, provider: 'microsoft' });
    const replay = new URL(used.callbackUrl);
    replay.searchParams.set('state', new URL(authorizationUrl).searchParams.get('state')!);
    expect(await refusal(await fetch(replay))).toMatchObject({ status: 409, code: 'failed_precondition', details: { reason: 'invalid_code' } });
    expect(await suite.database.query(`SELECT status FROM connector_microsoft.connections WHERE member_id = $1`, [m.memberId])).toEqual([{ status: 'disconnected' }]);
  });

  oauthSignInGuards({ suite, provider: 'microsoft', schema: 'connector_microsoft', credentialKeys: CREDENTIALS_ENCRYPTION_KEYS, member });

  it('answers the validation handshake with the token as text/plain', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 1 & <b>';
    const answer = await fetch(`${suite.gateway.url}/v1/webhooks/microsoft?validationToken=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await answer.text()).toBe(token);
  });

  it('lets the owner choose calendars; busy from calendarView (paged, times and showAs only), errors per calendar', async () => {
    const m = await member();
    const team = suite.fake.addCalendar(m.email, { name: 'Team', canEdit: true });
    const { connection } = await connected(m);
    const teamId = connection.calendars.find((c) => c.name === 'Team')!.calendarId;
    const mainId = connection.calendars.find((c) => c.name === 'Calendar')!.calendarId;
    for (const hour of [9, 10, 11]) ownerEvent(m.primary, at(hour), at(hour, 30));
    ownerEvent(m.primary, at(12), at(13), { showAs: 'free' });
    ownerEvent(m.primary, at(13), at(14), { isCancelled: true });
    ownerEvent(m.primary, at(14), at(15), { showAs: 'tentative' });
    ownerEvent(team.id, at(15), at(16), { showAs: 'oof' });

    const before = suite.fake.requests.length;
    const busy = await suite.client.request(rpcs.busy, { tenantId: m.tenantId, memberId: m.memberId, from: at(0), to: at(23), fresh: true });
    const views = suite.fake.requests.slice(before).filter((r) => /calendarView$/.test(r.path));
    expect(views.length).toBeGreaterThanOrEqual(3); // pages were followed
    expect(views.filter((r) => r.query.$select).every((r) => r.query.$select === 'start,end,showAs,isCancelled,type,seriesMasterId')).toBe(true);
    expect(views.every((r) => r.headers.prefer?.includes('outlook.timezone="UTC"'))).toBe(true);
    const hours = (id: string) => busy.calendars.find((c) => c.calendarId === id)!.busy.map((b) => Date.parse(b.start));
    expect(hours(mainId)).toEqual([9, 10, 11, 14].map((h) => Date.parse(at(h))));
    expect(hours(teamId)).toEqual([Date.parse(at(15))]);

    suite.fake.inject({ status: 500, times: 100, match: (r) => r.path.includes(team.id) });
    const partial = await suite.client.request(rpcs.busy, { tenantId: m.tenantId, memberId: m.memberId, from: at(0), to: at(23), fresh: true });
    suite.fake.clearFaults();
    expect(partial.calendars.find((c) => c.calendarId === teamId)!.error).toMatchObject({ code: 'unavailable' });
    expect(partial.calendars.find((c) => c.calendarId === mainId)!.error).toBeUndefined();

    await suite.client.request(Rpcs.calendarsSetRole, { tenantId: m.tenantId, calendarId: teamId, role: CalendarInfo_Role.booking });
    await suite.client.request(Rpcs.calendarsSetRole, { tenantId: m.tenantId, calendarId: mainId, role: CalendarInfo_Role.ignored });
    await waitFor(() => suite.fake.liveSubscriptions(m.primary).length === 0);
    const { calendars } = await suite.client.request(rpcs.calendars, { tenantId: m.tenantId, memberId: m.memberId });
    expect(new Map(calendars.map((c) => [c.calendarId, c.role]))).toEqual(new Map([[teamId, 'booking'], [mainId, 'ignored']]));
    const other = await suite.client
      .request(Rpcs.calendarsSetRole, { tenantId: m.tenantId, calendarId: `google:${randomUUID()}`, role: CalendarInfo_Role.blocking }, { timeoutMs: 300 })
      .catch((e) => e);
    expect(other).toMatchObject({ code: 'deadline_exceeded' });
  });

  it('books, moves and cancels: transactionId and the extended property, If-Match, one event per booking', async () => {
    const m = await member();
    const { bookingCalendarId } = await connected(m);
    const bookingId = randomUUID();
    const created = await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, bookingId, at(10), at(11)));
    expect(created).toMatchObject({ found: true, event: { calendarId: bookingCalendarId, bookingId } });
    const [event] = ourEvents(m, bookingId);
    expect(event).toMatchObject({ id: created.event!.eventId, transactionId: bookingId, subject: 'Visit with Sam' });

    await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, bookingId, at(10), at(11)));
    expect(ourEvents(m, bookingId)).toHaveLength(1);

    suite.fake.ownerUpdate(m.primary, event.id, { categories: ['x'] } as never);
    const moved = await suite.client.request(rpcs.updateEvent, write(m, bookingCalendarId, bookingId, at(14), at(15)));
    expect(Date.parse(moved.event!.start)).toBe(Date.parse(at(14)));
    expect(suite.fake.requestsTo('PATCH', new RegExp(event.id.replace(/[=]/g, '.'))).map((r) => Boolean(r.headers['if-match']))).toEqual([true, true]);

    // A create retried after the move: Graph refuses the transaction id with other content; the event is found.
    const retried = await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, bookingId, at(10), at(11)));
    expect(retried.event?.eventId).toBe(event.id);
    expect(ourEvents(m, bookingId)).toHaveLength(1);

    expect(await suite.client.request(rpcs.findEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId })).toMatchObject({ found: true });
    expect(await suite.client.request(rpcs.deleteEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId })).toMatchObject({ found: true });
    expect(ourEvents(m, bookingId)).toHaveLength(0);
    expect(await suite.client.request(rpcs.deleteEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId })).toMatchObject({ found: false });
    expect(await suite.client.request(rpcs.findEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId })).toMatchObject({ found: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(eventsChanged.filter((e) => e.bookingId === bookingId)).toEqual([]);
  });

  it('shows a change made in Outlook in slots.find within 2 s, through the subscription alone', async () => {
    const m = await member();
    await connected(m);
    const latencies: number[] = [];
    for (const hour of [11, 13, 15]) {
      expect(await slots(m)).toContain(at(hour));
      const started = Date.now();
      ownerEvent(m.primary, at(hour, 15), at(hour, 45));
      await waitFor(async () => !(await slots(m)).includes(at(hour)), { timeoutMs: 2_000, intervalMs: 20 });
      latencies.push(Date.now() - started);
    }
    pushLatencies.push(...latencies);
    expect(Math.max(...latencies)).toBeLessThan(2_000);
  });

  it('tells the booking service when the owner deletes or moves one of our events (calendar view sync)', async () => {
    const m = await member();
    const { bookingCalendarId } = await connected(m);
    const deleted = randomUUID();
    const moved = randomUUID();
    const a = await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, deleted, at(9), at(10)));
    const b = await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, moved, at(11), at(12)));
    await suite.fake.settled();
    suite.fake.ownerDelete(m.primary, a.event!.eventId);
    suite.fake.ownerUpdate(m.primary, b.event!.eventId, { start: utc(at(13)), end: utc(at(14)) });
    await waitFor(() => eventsChanged.filter((e) => e.bookingId === deleted || e.bookingId === moved).length === 2, { timeoutMs: 3_000 });
    expect(eventsChanged.find((e) => e.bookingId === deleted)).toMatchObject({ tenantId: m.tenantId, change: 'deleted' });
    const change = eventsChanged.find((e) => e.bookingId === moved)!;
    expect([change.change, Date.parse(change.start!), Date.parse(change.end!)]).toEqual(['moved', Date.parse(at(13)), Date.parse(at(14))]);
    // Delta would send whole events: the sync reads the view, times only.
    expect(suite.fake.requestsTo('GET', /\/delta$/)).toEqual([]);
  });

  it('reads the calendar list again: a calendar made since blocks time, a deleted one takes our events with it', async () => {
    const m = await member();
    const workAtGraph = suite.fake.addCalendar(m.email, { name: 'Work', canEdit: true });
    const connection = await connect(m);
    const work = connection.calendars.find((c) => c.name === 'Work')!.calendarId;
    const main = connection.calendars.find((c) => c.name === 'Calendar')!.calendarId;
    await suite.client.request(Rpcs.calendarsSetRole, { tenantId: m.tenantId, calendarId: work, role: CalendarInfo_Role.booking });
    const bookingId = randomUUID();
    await suite.client.request(rpcs.createEvent, write(m, work, bookingId, at(9), at(10)));
    const side = suite.fake.addCalendar(m.email, { name: 'Side' });
    ownerEvent(side.id, at(11, 15), at(11, 45));
    await waitFor(async () => (await slots(m)).includes(at(11)), { timeoutMs: 5_000 });
    // Until the list is read again, the deleted calendar cannot be read: the member is left out.
    suite.fake.ownerDeleteCalendar(workAtGraph.id);

    // Due now, as if the last reading were long ago: the next maintenance round reads the list.
    await suite.database.query(`UPDATE connector_microsoft.connections SET calendars_listed_at = now() - interval '1 day' WHERE id = $1`, [connection.id]);
    await waitFor(
      async () => {
        const offered = await slots(m);
        return offered.includes(at(13)) && !offered.includes(at(11));
      },
      { timeoutMs: 5_000 },
    );
    await waitFor(() => eventsChanged.some((e) => e.bookingId === bookingId), { timeoutMs: 3_000 });
    expect(eventsChanged.find((e) => e.bookingId === bookingId)).toMatchObject({ tenantId: m.tenantId, calendarId: work, change: 'deleted' });
    const { calendars } = await suite.client.request(rpcs.calendars, { tenantId: m.tenantId, memberId: m.memberId });
    const sideId = calendars.find((c) => c.calendarId !== main)!.calendarId;
    // The member still has a booking calendar: the default one, the one writable calendar left.
    expect(new Map(calendars.map((c) => [c.calendarId, c.role]))).toEqual(new Map([[main, 'booking'], [sideId, 'blocking']]));
    await waitFor(() => suite.fake.liveSubscriptions(side.id).length === 1);
  });

  it('renews subscriptions before they expire and handles lifecycle notifications', async () => {
    const m = await member();
    await connected(m);
    const [subscription] = suite.fake.liveSubscriptions(m.primary);
    const before = Date.parse(subscription.expirationDateTime);
    await suite.database.query(`UPDATE connector_microsoft.subscriptions SET expires_at = now() + interval '1 second' WHERE subscription_id = $1`, [subscription.id]);
    await waitFor(() => suite.fake.requestsTo('PATCH', new RegExp(`/subscriptions/${subscription.id}$`)).length === 1, { timeoutMs: 3_000 });
    expect(suite.fake.liveSubscriptions(m.primary)).toHaveLength(1);
    expect(Date.parse(suite.fake.subscriptions.get(subscription.id)!.expirationDateTime)).toBeGreaterThanOrEqual(before);

    await suite.fake.sendLifecycle(subscription.id, 'reauthorizationRequired');
    await waitFor(() => suite.fake.requestsTo('PATCH', new RegExp(`/subscriptions/${subscription.id}$`)).length === 2, { timeoutMs: 3_000 });

    // A sync reads the whole sync window (busy reads ask for days).
    const syncs = () => suite.fake.requestsTo('GET', /calendarView$/).filter((r) => Date.parse(r.query.endDateTime) - Date.parse(r.query.startDateTime) > 100 * 86_400_000).length;
    const syncsBefore = syncs();
    await suite.fake.sendLifecycle(subscription.id, 'missed');
    await waitFor(() => syncs() > syncsBefore, { timeoutMs: 3_000 });

    await suite.fake.sendLifecycle(subscription.id, 'subscriptionRemoved');
    await waitFor(() => suite.fake.liveSubscriptions(m.primary).length === 1 && suite.fake.liveSubscriptions(m.primary)[0].id !== subscription.id, { timeoutMs: 3_000 });
  });

  it('refreshes an expired access token transparently and keeps the rotated refresh token', async () => {
    const m = await member();
    await connected(m);
    const grant = suite.fake.grants.find((g) => g.account === m.email)!;
    for (let round = 0; round < 2; round++) {
      const refreshToken = grant.refreshToken;
      suite.fake.expireAccessTokens();
      const busy = await suite.client.request(rpcs.busy, { tenantId: m.tenantId, memberId: m.memberId, from: at(0), to: at(23), fresh: true });
      expect(busy.calendars.every((c) => !c.error)).toBe(true);
      // Rotated at the fake (which kills the old one at once): the second round works only with the new one stored.
      expect(grant.refreshToken).not.toBe(refreshToken);
    }
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
    // The owner connects again: the same connection, connected, and the member is offered again.
    const again = await connect(m);
    expect(again).toMatchObject({ id: connection.id, status: Connection_Status.connected });
    await waitFor(async () => (await slots(m)).length === 8, { timeoutMs: 5_000 });
  });

  it('completes bookings through 429 bursts (fractional Retry-After honoured) and fails cleanly on 500s, never with two events', async () => {
    const m = await member();
    const { bookingCalendarId } = await connected(m);
    suite.fake.inject({ status: 429, retryAfter: '0.4', times: 2, match: (r) => r.method === 'POST' && r.path.endsWith('/events') });
    const throttled = randomUUID();
    let started = Date.now();
    await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, throttled, at(9), at(10)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(ourEvents(m, throttled)).toHaveLength(1);

    suite.fake.inject({ status: 503, times: 1_000, match: (r) => r.method === 'POST' && r.path.endsWith('/events') });
    const failing = randomUUID();
    started = Date.now();
    const error = await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, failing, at(11), at(12))).catch((e) => e);
    expect(error).toMatchObject({ code: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(4_000);
    suite.fake.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, 600));
    await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, failing, at(11), at(12)));
    expect(ourEvents(m, failing)).toHaveLength(1);

    const slow = randomUUID();
    suite.fake.delayMs = 900;
    try {
      await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, slow, at(13), at(14))).catch((e) => e);
    } finally {
      suite.fake.delayMs = 0;
    }
    await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, slow, at(13), at(14)));
    expect(ourEvents(m, slow)).toHaveLength(1);
    expect(suite.fake.requestsTo('POST', /\/events$/).filter((r) => (r.body as { transactionId?: string }).transactionId === slow).length).toBeGreaterThan(1);
  });

  it('refuses notifications with a wrong clientState, and they change nothing', async () => {
    const m = await member();
    await connected(m);
    const [subscription] = suite.fake.liveSubscriptions(m.primary);
    // This member's changes and reads only: the previous test's slow writes may still be syncing.
    const changes: string[] = [];
    const watch = suite.raw.subscribe('calendar.v1.events.calendar.changed', {
      callback: (_e, msg) => {
        if (JSON.parse(new TextDecoder().decode(msg.data)).tenantId === m.tenantId) changes.push(msg.subject);
      },
    });
    const reads = () => suite.fake.requestsTo('GET', /calendarView\/delta$/).filter((r) => r.path.includes(m.primary)).length;
    const deltas = reads();
    const post = (clientState?: string) =>
      fetch(`${suite.gateway.url}/v1/webhooks/microsoft`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: [{ subscriptionId: subscription.id, clientState, changeType: 'updated', resource: 'x', resourceData: { id: 'y' } }] }),
      });
    expect((await post(`${subscription.clientState}x`)).status).toBe(401);
    expect((await post('forged.state')).status).toBe(401);
    expect((await post(undefined)).status).toBe(401);
    // A genuine clientState of another subscription does not pass for this one.
    const other = suite.fake.liveSubscriptions().find((s) => s.id !== subscription.id)!;
    expect((await post(other.clientState)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 300));
    watch.unsubscribe();
    expect(changes).toEqual([]);
    expect(reads()).toBe(deltas);
  });

  it('disconnects: subscriptions deleted, credentials deleted', async () => {
    const m = await member();
    const { connection } = await connected(m);
    const reply = await suite.client.request(Rpcs.connectionsDisconnect, { tenantId: m.tenantId, connectionId: connection.id });
    expect(reply.connection).toMatchObject({ id: connection.id, status: Connection_Status.disconnected });
    expect(suite.fake.liveSubscriptions(m.primary)).toEqual([]);
    const [row] = await suite.database.query(`SELECT status, credentials_sealed, credentials_key_id FROM connector_microsoft.connections WHERE id = $1`, [connection.id]);
    expect(row).toEqual({ status: 'disconnected', credentials_sealed: null, credentials_key_id: null });
  });

  it('is never sent an event detail: the marker in every field of the owner\'s events is in nothing Graph answered us', async () => {
    const m = await member();
    const { bookingCalendarId } = await connected(m);
    ownerEvent(m.primary, at(9, 15), at(9, 45));
    const bookingId = randomUUID();
    const { event } = await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, bookingId, at(15), at(16)));
    suite.fake.ownerUpdate(m.primary, event!.eventId, { start: utc(at(16)), end: utc(at(17)) });
    // Busy was read, and a sync ran (it found our event moved).
    await waitFor(async () => !(await slots(m)).includes(at(9)), { timeoutMs: 3_000 });
    await waitFor(() => eventsChanged.some((e) => e.bookingId === bookingId), { timeoutMs: 3_000 });
    const sent = suite.fake.answers.map((answer) => answer.body).join('\n');
    expect(sent).toContain(m.primary);
    expect(sent.toLowerCase()).not.toContain(MARKER.toLowerCase());
  });

  it('leaves no trace of event details: not in Postgres, logs, NATS messages or spans', async () => {
    const m = await member();
    const { bookingCalendarId } = await connected(m);
    ownerEvent(m.primary, at(12), at(13));
    await waitFor(async () => !(await slots(m)).includes(at(12)), { timeoutMs: 2_000 });
    const bookingId = randomUUID();
    await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, bookingId, at(15), at(16)));
    await suite.client.request(rpcs.updateEvent, write(m, bookingCalendarId, bookingId, at(16), at(17)));
    await suite.fake.settled();
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Graph's delta ignores $select and would have sent the marker: it is never asked.
    expect(suite.fake.requestsTo('GET', /\/delta$/)).toEqual([]);
    const dump = await suite.database.dump();
    expect(dump.length).toBeGreaterThan(1_000);
    expect(dump.toLowerCase()).not.toContain(MARKER.toLowerCase());
    expect(suite.output.text().length).toBeGreaterThan(0);
    expect(suite.output.text()).not.toContain(MARKER);
    expect(suite.natsMessages.length).toBeGreaterThan(50);
    expect(suite.natsMessages.join('\n')).not.toContain(MARKER);
    const spans = telemetry.memory!.getFinishedSpans();
    expect(spans.some((s) => s.name.startsWith('microsoft '))).toBe(true);
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
