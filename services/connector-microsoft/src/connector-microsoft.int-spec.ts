import { startTelemetry } from '@calldesk/telemetry';
import { randomBytes, randomUUID } from 'node:crypto';
import { CalendarInfo_Role, connectorRpcs, Connection_Status, Rpcs } from '@calldesk/contracts';
import {
  connectorSuite,
  FakeMicrosoft,
  oauthConnectorEnv,
  oauthConnectorScenarios,
  waitFor,
  type GraphEventInput,
} from '@calldesk/testing';
import { BOOKING_PROPERTY } from './graph/event-writes';

// Every span of this process, in memory: the privacy check reads them all.
const telemetry = startTelemetry('connector-microsoft-int', { inMemory: true });

jest.setTimeout(60_000);
afterAll(() => telemetry.shutdown());

/** Put in the subject, body, location and attendees of every event the owner makes. */
const MARKER = `MARKER${randomBytes(6).toString('hex')}`;
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
        ...oauthConnectorEnv(gatewayUrl, CREDENTIALS_ENCRYPTION_KEYS, WEBHOOK_SECRET),
        MICROSOFT_CLIENT_ID: fake.clientId,
        MICROSOFT_CLIENT_SECRET: fake.clientSecret,
        MICROSOFT_AUTHORIZE_URL: fake.authorizeUrl,
        MICROSOFT_TOKEN_URL: fake.tokenUrl,
        MICROSOFT_GRAPH_URL: fake.graphUrl,
      },
    }),
  });

  /** An event the owner makes in Outlook, with the marker everywhere it can be. */
  const graphEvent = (calendarId: string, start: string, end: string, extra: Partial<GraphEventInput> = {}) =>
    suite.fake.ownerCreate(calendarId, {
      start: utc(start),
      end: utc(end),
      subject: `Dentist ${MARKER}`,
      body: { contentType: 'text', content: `notes ${MARKER}` },
      location: { displayName: `Main St ${MARKER}` },
      attendees: [{ emailAddress: { name: MARKER, address: `${MARKER.toLowerCase()}@example.com` }, type: 'required' }],
      ...extra,
    });

  const ourEvents = (calendarId: string, bookingId: string) =>
    suite.fake
      .events(calendarId)
      .filter((e) => e.singleValueExtendedProperties?.some((p) => p.id === BOOKING_PROPERTY && p.value === bookingId));

  const scenarios = oauthConnectorScenarios({
    suite,
    provider: 'microsoft',
    schema: 'connector_microsoft',
    credentialKeys: CREDENTIALS_ENCRYPTION_KEYS,
    marker: MARKER,
    spans: () => telemetry.memory!.getFinishedSpans(),
    calendars: {
      addAccount: (email, zone) => suite.fake.addAccount(email, zone ?? 'Eastern Standard Time').id,
      addCalendar: (email, calendar) =>
        suite.fake.addCalendar(email, { name: calendar.name, canEdit: calendar.writable }).id,
      primaryName: () => 'Calendar',
      ownerEvent: (calendarId, start, end) => void graphEvent(calendarId, start, end),
      ownerMove: (calendarId, eventId, start, end) =>
        void suite.fake.ownerUpdate(calendarId, eventId, { start: utc(start), end: utc(end) }),
      ownerDelete: (calendarId, eventId) => suite.fake.ownerDelete(calendarId, eventId),
      ownerDeleteCalendar: (calendarId) => suite.fake.ownerDeleteCalendar(calendarId),
      livePush: (calendarId) => suite.fake.liveSubscriptions(calendarId),
      ourEvents,
      creates: (bookingId) =>
        suite.fake
          .requestsTo('POST', /\/events$/)
          .filter((r) => (r.body as { transactionId?: string }).transactionId === bookingId),
      // Graph has no revocation of one grant: the user removes the app in their account.
      revokesOnDisconnect: false,
    },
  });
  const { at, member, connect, connected, write, slots, ownerEvent, eventsChanged } = scenarios;

  it('connects through the gateway callback: scopes, roles, the mailbox zone, sealed tokens, validated subscriptions', async () => {
    const m = await member('Pacific Standard Time');
    suite.fake.addCalendar(m.email, { name: 'Shared', canEdit: false });
    const { authorizationUrl } = await suite.client.request(Rpcs.connectionsAuthorize, {
      tenantId: m.tenantId,
      memberId: m.memberId,
      provider: 'microsoft',
    });
    const url = new URL(authorizationUrl);
    expect(url.searchParams.get('scope')).toBe('offline_access Calendars.ReadWrite MailboxSettings.Read');
    expect(url.searchParams.get('redirect_uri')).toBe(`${suite.gateway.url}/v1/oauth/microsoft/callback`);
    expect(url.searchParams.get('state')).toBeTruthy();

    const connection = await connect(m);
    expect(connection).toMatchObject({
      id: expect.stringMatching(/^microsoft:/),
      provider: 'microsoft',
      status: Connection_Status.connected,
    });
    const byName = new Map(connection.calendars.map((c) => [c.name, c]));
    expect(byName.get('Calendar')).toMatchObject({
      role: CalendarInfo_Role.booking,
      writable: true,
      timeZone: 'America/Los_Angeles',
      warnings: ['time_zone_differs'],
    });
    expect(byName.get('Shared')).toMatchObject({ role: CalendarInfo_Role.blocking, writable: false });

    await waitFor(() => suite.fake.liveSubscriptions().filter((s) => s.account === m.email).length === 2);
    const validations = suite.fake.deliveries.filter((d) =>
      d.url.startsWith(`${suite.gateway.url}/v1/webhooks/microsoft?validationToken=`),
    );
    expect(validations.length).toBeGreaterThanOrEqual(4); // notification and lifecycle URL, per subscription
    expect(validations.every((d) => d.status === 200)).toBe(true);
    const states = suite.fake
      .liveSubscriptions()
      .filter((s) => s.account === m.email)
      .map((s) => s.clientState);
    expect(new Set(states).size).toBe(2);

    const rows = await suite.database.query(`SELECT * FROM connector_microsoft.connections WHERE id = $1`, [
      connection.id,
    ]);
    const stored = JSON.stringify(rows);
    for (const grant of suite.fake.grants) expect(stored).not.toContain(grant.refreshToken!);
    for (const token of suite.fake.issuedAccessTokens()) expect(stored).not.toContain(token);
    await waitFor(async () => (await slots(m)).length === 8, { timeoutMs: 5_000 });
  });

  scenarios.shared();

  it('answers the validation handshake with the token as text/plain', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 1 & <b>';
    const answer = await fetch(
      `${suite.gateway.url}/v1/webhooks/microsoft?validationToken=${encodeURIComponent(token)}`,
      { method: 'POST', headers: { 'content-type': 'text/plain' } },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await answer.text()).toBe(token);
  });

  it('reads busy from calendarView (paged, times and showAs only), errors per calendar', async () => {
    const m = await member();
    const team = suite.fake.addCalendar(m.email, { name: 'Team', canEdit: true });
    const { connection } = await connected(m);
    const teamId = connection.calendars.find((c) => c.name === 'Team')!.calendarId;
    const mainId = connection.calendars.find((c) => c.name === 'Calendar')!.calendarId;
    for (const hour of [9, 10, 11]) ownerEvent(m.primary, at(hour), at(hour, 30));
    graphEvent(m.primary, at(12), at(13), { showAs: 'free' });
    graphEvent(m.primary, at(13), at(14), { isCancelled: true });
    graphEvent(m.primary, at(14), at(15), { showAs: 'tentative' });
    graphEvent(team.id, at(15), at(16), { showAs: 'oof' });

    const before = suite.fake.requests.length;
    const busy = await suite.client.request(rpcs.busy, {
      tenantId: m.tenantId,
      memberId: m.memberId,
      from: at(0),
      to: at(23),
      fresh: true,
    });
    const views = suite.fake.requests.slice(before).filter((r) => /calendarView$/.test(r.path));
    expect(views.length).toBeGreaterThanOrEqual(3); // pages were followed
    expect(
      views
        .filter((r) => r.query.$select)
        .every((r) => r.query.$select === 'start,end,showAs,isCancelled,type,seriesMasterId'),
    ).toBe(true);
    expect(views.every((r) => r.headers.prefer?.includes('outlook.timezone="UTC"'))).toBe(true);
    const hours = (id: string) => busy.calendars.find((c) => c.calendarId === id)!.busy.map((b) => Date.parse(b.start));
    expect(hours(mainId)).toEqual([9, 10, 11, 14].map((h) => Date.parse(at(h))));
    expect(hours(teamId)).toEqual([Date.parse(at(15))]);

    suite.fake.inject({ status: 500, times: 100, match: (r) => r.path.includes(team.id) });
    const partial = await suite.client.request(rpcs.busy, {
      tenantId: m.tenantId,
      memberId: m.memberId,
      from: at(0),
      to: at(23),
      fresh: true,
    });
    suite.fake.clearFaults();
    expect(partial.calendars.find((c) => c.calendarId === teamId)!.error).toMatchObject({ code: 'unavailable' });
    expect(partial.calendars.find((c) => c.calendarId === mainId)!.error).toBeUndefined();
  });

  it('books, moves and cancels: transactionId and the extended property, If-Match, one event per booking', async () => {
    const m = await member();
    const { bookingCalendarId } = await connected(m);
    const bookingId = randomUUID();
    const created = await suite.client.request(
      rpcs.createEvent,
      write(m, bookingCalendarId, bookingId, at(10), at(11)),
    );
    expect(created).toMatchObject({ found: true, event: { calendarId: bookingCalendarId, bookingId } });
    const [event] = ourEvents(m.primary, bookingId);
    expect(event).toMatchObject({
      id: created.event!.eventId,
      transactionId: bookingId,
      subject: 'Consultation with Sam',
    });

    await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, bookingId, at(10), at(11)));
    expect(ourEvents(m.primary, bookingId)).toHaveLength(1);

    suite.fake.ownerUpdate(m.primary, event.id, { categories: ['x'] } as never);
    const moved = await suite.client.request(rpcs.updateEvent, write(m, bookingCalendarId, bookingId, at(14), at(15)));
    expect(Date.parse(moved.event!.start)).toBe(Date.parse(at(14)));
    expect(
      suite.fake
        .requestsTo('PATCH', new RegExp(event.id.replace(/[=]/g, '.')))
        .map((r) => Boolean(r.headers['if-match'])),
    ).toEqual([true, true]);

    // A create retried after the move: Graph refuses the transaction id with other content; the event is found.
    const retried = await suite.client.request(
      rpcs.createEvent,
      write(m, bookingCalendarId, bookingId, at(10), at(11)),
    );
    expect(retried.event?.eventId).toBe(event.id);
    expect(ourEvents(m.primary, bookingId)).toHaveLength(1);

    expect(
      await suite.client.request(rpcs.findEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId }),
    ).toMatchObject({ found: true });
    expect(
      await suite.client.request(rpcs.deleteEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId }),
    ).toMatchObject({ found: true });
    expect(ourEvents(m.primary, bookingId)).toHaveLength(0);
    expect(
      await suite.client.request(rpcs.deleteEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId }),
    ).toMatchObject({ found: false });
    expect(
      await suite.client.request(rpcs.findEvent, { tenantId: m.tenantId, calendarId: bookingCalendarId, bookingId }),
    ).toMatchObject({ found: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(eventsChanged.filter((e) => e.bookingId === bookingId)).toEqual([]);
  });

  it('renews subscriptions before they expire and handles lifecycle notifications', async () => {
    const m = await member();
    await connected(m);
    const [subscription] = suite.fake.liveSubscriptions(m.primary);
    const before = Date.parse(subscription.expirationDateTime);
    await suite.database.query(
      `UPDATE connector_microsoft.subscriptions SET expires_at = now() + interval '1 second' WHERE subscription_id = $1`,
      [subscription.id],
    );
    await waitFor(() => suite.fake.requestsTo('PATCH', new RegExp(`/subscriptions/${subscription.id}$`)).length === 1, {
      timeoutMs: 3_000,
    });
    expect(suite.fake.liveSubscriptions(m.primary)).toHaveLength(1);
    expect(Date.parse(suite.fake.subscriptions.get(subscription.id)!.expirationDateTime)).toBeGreaterThanOrEqual(
      before,
    );

    await suite.fake.sendLifecycle(subscription.id, 'reauthorizationRequired');
    await waitFor(() => suite.fake.requestsTo('PATCH', new RegExp(`/subscriptions/${subscription.id}$`)).length === 2, {
      timeoutMs: 3_000,
    });

    // A sync reads the whole sync window (busy reads ask for days).
    const syncs = () =>
      suite.fake
        .requestsTo('GET', /calendarView$/)
        .filter((r) => Date.parse(r.query.endDateTime) - Date.parse(r.query.startDateTime) > 100 * 86_400_000).length;
    const syncsBefore = syncs();
    await suite.fake.sendLifecycle(subscription.id, 'missed');
    await waitFor(() => syncs() > syncsBefore, { timeoutMs: 3_000 });

    await suite.fake.sendLifecycle(subscription.id, 'subscriptionRemoved');
    await waitFor(
      () =>
        suite.fake.liveSubscriptions(m.primary).length === 1 &&
        suite.fake.liveSubscriptions(m.primary)[0].id !== subscription.id,
      { timeoutMs: 3_000 },
    );
  });

  it('refreshes an expired access token transparently and keeps the rotated refresh token', async () => {
    const m = await member();
    await connected(m);
    const grant = suite.fake.grants.find((g) => g.account === m.email)!;
    for (let round = 0; round < 2; round++) {
      const refreshToken = grant.refreshToken;
      suite.fake.expireAccessTokens();
      const busy = await suite.client.request(rpcs.busy, {
        tenantId: m.tenantId,
        memberId: m.memberId,
        from: at(0),
        to: at(23),
        fresh: true,
      });
      expect(busy.calendars.every((c) => !c.error)).toBe(true);
      // Rotated at the fake (which kills the old one at once): the second round works only with the new one stored.
      expect(grant.refreshToken).not.toBe(refreshToken);
    }
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
    const reads = () => suite.fake.requestsTo('GET', /calendarView$/).filter((r) => r.path.includes(m.primary)).length;
    const views = reads();
    const post = (clientState?: string) =>
      fetch(`${suite.gateway.url}/v1/webhooks/microsoft`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          value: [
            {
              subscriptionId: subscription.id,
              clientState,
              changeType: 'updated',
              resource: 'x',
              resourceData: { id: 'y' },
            },
          ],
        }),
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
    expect(reads()).toBe(views);
  });

  it("is never sent an event detail: the marker in every field of the owner's events is in nothing Graph answered us", async () => {
    const m = await member();
    const { bookingCalendarId } = await connected(m);
    ownerEvent(m.primary, at(9, 15), at(9, 45));
    const bookingId = randomUUID();
    const { event } = await suite.client.request(
      rpcs.createEvent,
      write(m, bookingCalendarId, bookingId, at(15), at(16)),
    );
    suite.fake.ownerUpdate(m.primary, event!.eventId, { start: utc(at(16)), end: utc(at(17)) });
    // Busy was read, and a sync ran (it found our event moved).
    await waitFor(async () => !(await slots(m)).includes(at(9)), { timeoutMs: 3_000 });
    await waitFor(() => eventsChanged.some((e) => e.bookingId === bookingId), { timeoutMs: 3_000 });
    const sent = suite.fake.answers.map((answer) => answer.body).join('\n');
    expect(sent).toContain(m.primary);
    expect(sent.toLowerCase()).not.toContain(MARKER.toLowerCase());
  });

  scenarios.noTrace(() => {
    // Graph's delta ignores $select and would have sent the marker: it is never asked.
    expect(suite.fake.requestsTo('GET', /\/delta$/)).toEqual([]);
  });
});
