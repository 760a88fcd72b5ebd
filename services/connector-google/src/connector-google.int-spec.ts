import { startTelemetry } from '@calldesk/telemetry';
import { randomBytes, randomUUID } from 'node:crypto';
import { CalendarInfo_Role, connectorRpcs, Connection_Status, Rpcs } from '@calldesk/contracts';
import {
  connectorSuite,
  FakeGoogle,
  oauthConnectorEnv,
  oauthConnectorScenarios,
  SCENARIO_ZONE,
  waitFor,
} from '@calldesk/testing';
import { eventIdOf } from './google/event-id';

// Every span of this process, in memory: the privacy check reads them all.
const telemetry = startTelemetry('connector-google-int', { inMemory: true });

jest.setTimeout(60_000);
afterAll(() => telemetry.shutdown());

/** Put in the title, description, location and attendees of every event the owner makes. */
const MARKER = `MARKER${randomBytes(6).toString('hex')}`;
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
        ...oauthConnectorEnv(gatewayUrl, CREDENTIALS_ENCRYPTION_KEYS, WEBHOOK_SECRET),
        GOOGLE_CLIENT_ID: fake.clientId,
        GOOGLE_CLIENT_SECRET: fake.clientSecret,
        GOOGLE_AUTH_URL: fake.oauthEndpoints.oauth2AuthBaseUrl,
        GOOGLE_TOKEN_URL: fake.oauthEndpoints.oauth2TokenUrl,
        GOOGLE_REVOKE_URL: fake.oauthEndpoints.oauth2RevokeUrl,
        GOOGLE_API_ROOT_URL: `${fake.url}/`,
      },
    }),
  });

  /** An event the owner makes in Google Calendar, with the marker everywhere it can be. */
  const googleEvent = (
    calendarId: string,
    start: string,
    end: string,
    extra: Partial<Parameters<FakeGoogle['ownerInsert']>[1]> = {},
  ) =>
    suite.fake.ownerInsert(calendarId, {
      start: { dateTime: start },
      end: { dateTime: end },
      summary: `Dentist ${MARKER}`,
      description: `notes ${MARKER}`,
      location: `Main St ${MARKER}`,
      attendees: [{ email: `${MARKER.toLowerCase()}@example.com`, displayName: MARKER }],
      ...extra,
    });

  const scenarios = oauthConnectorScenarios({
    suite,
    provider: 'google',
    schema: 'connector_google',
    credentialKeys: CREDENTIALS_ENCRYPTION_KEYS,
    marker: MARKER,
    spans: () => telemetry.memory!.getFinishedSpans(),
    calendars: {
      addAccount: (email, zone) => suite.fake.addAccount(email, zone ?? SCENARIO_ZONE).id,
      addCalendar: (email, calendar) =>
        suite.fake.addCalendar(email, { summary: calendar.name, accessRole: calendar.writable ? 'owner' : 'reader' })
          .id,
      primaryName: (email) => email,
      ownerEvent: (calendarId, start, end) => void googleEvent(calendarId, start, end),
      ownerMove: (calendarId, eventId, start, end) =>
        void suite.fake.ownerPatch(calendarId, eventId, { start: { dateTime: start }, end: { dateTime: end } }),
      ownerDelete: (calendarId, eventId) => suite.fake.ownerDelete(calendarId, eventId),
      ownerDeleteCalendar: (calendarId) => suite.fake.ownerDeleteCalendar(calendarId),
      livePush: (calendarId) => suite.fake.liveChannels(calendarId),
      ourEvents: (calendarId, bookingId) =>
        suite.fake.liveEvents(calendarId).filter((e) => e.id === eventIdOf(bookingId)),
      creates: (bookingId) =>
        suite.fake
          .requestsTo('POST', /\/events$/)
          .filter((r) => (r.body as { id?: string }).id === eventIdOf(bookingId)),
      revokesOnDisconnect: true,
    },
  });
  const { day, at, member, connect, connected, slots, write, signIn, refusal, ownerEvent, eventsChanged } = scenarios;

  it('connects through the gateway callback: narrow scopes, offline access, roles, zone warnings, sealed tokens, channels', async () => {
    const m = await member();
    suite.fake.addCalendar(m.email, {
      id: `holidays-${m.email}`,
      summary: 'Holidays',
      timeZone: 'Europe/Paris',
      accessRole: 'reader',
    });
    suite.fake.addCalendar(m.email, {
      id: `side-${m.email}`,
      summary: 'Side',
      timeZone: SCENARIO_ZONE,
      accessRole: 'owner',
    });

    const { authorizationUrl } = await suite.client.request(Rpcs.connectionsAuthorize, {
      tenantId: m.tenantId,
      memberId: m.memberId,
      provider: 'google',
    });
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
    expect(connection).toMatchObject({
      id: expect.stringMatching(/^google:/),
      provider: 'google',
      status: Connection_Status.connected,
      memberId: m.memberId,
    });
    const byName = new Map(connection.calendars.map((c) => [c.name, c]));
    expect(byName.get(m.email)).toMatchObject({
      role: CalendarInfo_Role.booking,
      writable: true,
      timeZone: SCENARIO_ZONE,
      warnings: [],
    });
    expect(byName.get('Holidays')).toMatchObject({
      role: CalendarInfo_Role.blocking,
      writable: false,
      warnings: ['time_zone_differs'],
    });
    expect(byName.get('Side')).toMatchObject({ role: CalendarInfo_Role.blocking, writable: true });
    expect(connection.calendars.every((c) => c.calendarId.startsWith('google:'))).toBe(true);

    // One channel per booking and blocking calendar, each with its own random token.
    await waitFor(() => suite.fake.liveChannels().filter((c) => c.account === m.email).length === 3);
    const tokens = suite.fake
      .liveChannels()
      .filter((c) => c.account === m.email)
      .map((c) => c.token);
    expect(new Set(tokens).size).toBe(3);

    // The tokens Google issued are nowhere in the table in clear.
    const rows = await suite.database.query(`SELECT * FROM connector_google.connections WHERE id = $1`, [
      connection.id,
    ]);
    expect(rows[0]).toMatchObject({ credentials_key_id: 'k1', status: 'connected' });
    const stored = JSON.stringify(rows);
    for (const grant of suite.fake.grants) expect(stored).not.toContain(grant.refreshToken!);
    for (const token of suite.fake.issuedAccessTokens()) expect(stored).not.toContain(token);

    await waitFor(async () => (await slots(m)).length === 8, { timeoutMs: 5_000 });
  });

  scenarios.shared();

  it('refuses a grant with a permission unticked, and hands back what was granted', async () => {
    const m = await member();
    const grantsBefore = suite.fake.grants.length;
    const unticked = await signIn(m, {
      account: m.email,
      grantScopes: ['https://www.googleapis.com/auth/calendar.events.freebusy'],
    });
    expect(await refusal(unticked.answer)).toMatchObject({
      status: 409,
      code: 'failed_precondition',
      details: { reason: 'scopes_missing' },
    });
    expect(suite.fake.grants.slice(grantsBefore).every((grant) => grant.revoked)).toBe(true);
    expect(
      await suite.database.query(`SELECT * FROM connector_google.connections WHERE member_id = $1`, [m.memberId]),
    ).toEqual([]);
  });

  it('reads busy with freeBusy.query: long windows split and merged, per-calendar errors kept per calendar', async () => {
    const m = await member();
    const broken = suite.fake.addCalendar(m.email, { summary: 'Broken', accessRole: 'reader' });
    const blocking = suite.fake.addCalendar(m.email, { summary: 'Team', accessRole: 'reader' });
    await connected(m);
    ownerEvent(m.primary, at(10), at(11));
    ownerEvent(blocking.id, at(13), at(14));
    googleEvent(m.primary, at(15), at(16), { transparency: 'transparent' });
    suite.fake.calendar(broken.id).freeBusyError = 'internalError';

    const before = suite.fake.requestsTo('POST', /freeBusy$/).length;
    const from = day.minus({ days: 50 }).toISO()!;
    const to = day.plus({ days: 60 }).toISO()!;
    const busy = await suite.client.request(rpcs.busy, {
      tenantId: m.tenantId,
      memberId: m.memberId,
      from,
      to,
      fresh: true,
    });
    const queries = suite.fake.requestsTo('POST', /freeBusy$/).slice(before);
    expect(queries).toHaveLength(2);
    for (const q of queries) {
      const body = q.body as { timeMin: string; timeMax: string };
      expect(Date.parse(body.timeMax) - Date.parse(body.timeMin)).toBeLessThanOrEqual(60 * 86_400_000);
    }
    const byName = new Map(busy.calendars.map((c) => [c.calendarId, c]));
    const { calendars } = await suite.client.request(rpcs.calendars, { tenantId: m.tenantId, memberId: m.memberId });
    const ids = await suite.database.query(`SELECT id, name FROM connector_google.calendars WHERE member_id = $1`, [
      m.memberId,
    ]);
    const idOf = (name: string) => ids.find((r) => r.name === name)!.id as string;
    expect(calendars).toHaveLength(3);
    expect(byName.get(idOf(m.email))!.busy.map((b) => [Date.parse(b.start), Date.parse(b.end)])).toEqual([
      [Date.parse(at(10)), Date.parse(at(11))],
    ]);
    expect(byName.get(idOf('Team'))!.busy.map((b) => Date.parse(b.start))).toEqual([Date.parse(at(13))]);
    expect(byName.get(idOf('Broken'))!.error).toMatchObject({
      code: 'unavailable',
      details: { reason: 'calendar_unavailable' },
    });
    expect(byName.get(idOf(m.email))!.error).toBeUndefined();
    suite.fake.calendar(broken.id).freeBusyError = undefined;
  });

  it('books, moves and cancels: a client-chosen id, sendUpdates=none, the booking id in private properties, etags', async () => {
    const m = await member();
    const { bookingCalendarId } = await connected(m);
    const bookingId = randomUUID();
    const created = await suite.client.request(
      rpcs.createEvent,
      write(m, bookingCalendarId, bookingId, at(10), at(11)),
    );
    expect(created).toMatchObject({
      found: true,
      event: { eventId: eventIdOf(bookingId), calendarId: bookingCalendarId, bookingId },
    });
    const insert = suite.fake.requestsTo('POST', /\/events$/).at(-1)!;
    expect(insert.query.sendUpdates).toBe('none');
    const event = suite.fake.event(m.primary, eventIdOf(bookingId))!;
    expect(event.extendedProperties?.private).toEqual({ calldeskBookingId: bookingId });
    expect(event.summary).toBe('Consultation with Sam');

    // A retry of the same create (the caller never saw the answer) finds the event: still one.
    const again = await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, bookingId, at(10), at(11)));
    expect(again.event?.eventId).toBe(eventIdOf(bookingId));
    expect(
      suite.fake.liveEvents(m.primary).filter((e) => e.extendedProperties?.private?.calldeskBookingId === bookingId),
    ).toHaveLength(1);
    await waitFor(async () => !(await slots(m)).includes(at(10)), { timeoutMs: 2_000 }).catch(() => undefined);

    // The owner touched the event (its etag changed): the move still goes through, with If-Match.
    suite.fake.ownerPatch(m.primary, eventIdOf(bookingId), { colorId: '5' } as never);
    const moved = await suite.client.request(rpcs.updateEvent, write(m, bookingCalendarId, bookingId, at(14), at(15)));
    expect(Date.parse(moved.event!.start)).toBe(Date.parse(at(14)));
    const patches = suite.fake.requestsTo('PATCH', new RegExp(eventIdOf(bookingId)));
    expect(patches.map((p) => p.headers['if-match'])).toEqual([expect.any(String), expect.any(String)]);
    expect(Date.parse(suite.fake.event(m.primary, eventIdOf(bookingId))!.start.dateTime!)).toBe(Date.parse(at(14)));

    const found = await suite.client.request(rpcs.findEvent, {
      tenantId: m.tenantId,
      calendarId: bookingCalendarId,
      bookingId,
    });
    expect(found).toMatchObject({ found: true, event: { eventId: eventIdOf(bookingId) } });
    expect(
      await suite.client.request(rpcs.deleteEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId }),
    ).toMatchObject({ found: true });
    expect(suite.fake.event(m.primary, eventIdOf(bookingId))!.status).toBe('cancelled');
    expect(
      await suite.client.request(rpcs.deleteEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId }),
    ).toMatchObject({ found: false });
    expect(
      await suite.client.request(rpcs.findEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId }),
    ).toMatchObject({ found: false });
    // Our own cancellation is not reported as the owner's.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(eventsChanged.filter((e) => e.bookingId === bookingId)).toEqual([]);
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
    await waitFor(() => eventsChanged.some((e) => e.bookingId === bookingId && e.change === 'deleted'), {
      timeoutMs: 3_000,
    });
    const lists = suite.fake
      .requestsTo('GET', /\/events$/)
      .slice(before)
      .filter((r) => r.path.includes(encodeURIComponent(m.primary)) || r.path.includes(m.primary));
    expect(lists.some((r) => r.query.syncToken)).toBe(true);
    expect(lists.some((r) => !r.query.syncToken && r.query.timeMin)).toBe(true);
  });

  it('renews a channel before it expires: a new one first, then the old one stopped', async () => {
    const m = await member();
    await connected(m);
    const [old] = suite.fake.liveChannels(m.primary);
    await suite.database.query(
      `UPDATE connector_google.channels SET expires_at = now() + interval '1 second' WHERE id = $1`,
      [old.id],
    );
    await waitFor(
      () => suite.fake.liveChannels(m.primary).some((c) => c.id !== old.id) && suite.fake.channels.get(old.id)!.stopped,
      { timeoutMs: 3_000 },
    );
    expect(suite.fake.liveChannels(m.primary)).toHaveLength(1);
  });

  it('refreshes an expired access token mid-session without the caller noticing', async () => {
    const m = await member();
    await connected(m);
    const refreshes = () =>
      suite.fake
        .requestsTo('POST', /^\/token$/)
        .filter((r) => (r.body as Record<string, string>).grant_type === 'refresh_token').length;
    const before = refreshes();
    suite.fake.expireAccessTokens();
    const busy = await suite.client.request(rpcs.busy, {
      tenantId: m.tenantId,
      memberId: m.memberId,
      from: at(0),
      to: at(23),
      fresh: true,
    });
    expect(busy.calendars.every((c) => !c.error)).toBe(true);
    expect(refreshes()).toBe(before + 1);
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
    const reads = () =>
      suite.fake
        .requestsTo('GET', /\/events$/)
        .filter((r) => r.path.includes(encodeURIComponent(m.primary)) || r.path.includes(m.primary)).length;
    const lists = reads();
    const post = (headers: Record<string, string>) =>
      fetch(`${suite.gateway.url}/v1/webhooks/google`, { method: 'POST', headers });
    const base = {
      'x-goog-channel-id': channel.id,
      'x-goog-resource-id': channel.resourceId,
      'x-goog-resource-state': 'exists',
      'x-goog-message-number': '99',
    };
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

  scenarios.noTrace((m) => {
    // The fake did hand the marker out (the booking calendar is readable in full): the check means something.
    expect(suite.fake.liveEvents(m.primary).some((e) => e.summary?.includes(MARKER))).toBe(true);
    // Google was asked for times only: the fields of every read and write, and narrow scopes.
    const ownReads = suite.fake.requests.filter(
      (r) => r.path.startsWith('/calendar/v3/calendars/') && r.method !== 'DELETE' && !r.path.endsWith('/watch'),
    );
    expect(ownReads.length).toBeGreaterThan(10);
    for (const request of ownReads)
      expect(request.query.fields).toMatch(
        /^(items\(id,status,start,end,transparency\),nextPageToken,nextSyncToken|id,etag,status,start,end,extendedProperties\/private)$/,
      );
    expect(
      suite.fake
        .requestsTo('GET', /calendarList$/)
        .every((r) => r.query.fields === 'items(id,summary,timeZone,accessRole,primary),nextPageToken'),
    ).toBe(true);
    expect(new Set(suite.fake.grants.flatMap((g) => g.scopes))).toEqual(
      new Set(
        ['calendar.calendarlist.readonly', 'calendar.events.freebusy', 'calendar.events.owned'].map(
          (s) => `https://www.googleapis.com/auth/${s}`,
        ),
      ),
    );
  });
});
