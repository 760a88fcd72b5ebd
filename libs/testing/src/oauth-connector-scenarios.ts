import { randomUUID } from 'node:crypto';
import {
  CalendarInfo_Role,
  connectorRpcs,
  Connection_Status,
  Rpcs,
  RpcError,
  type Connection,
} from '@calldesk/contracts';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DateTime } from 'luxon';
import type { ConnectorSuite } from './connector-suite';
import type { RecordedRequest } from './fakes/fake-http';
import { oauthSignInGuards, signInSecretsSeen, type ConsentingFake } from './oauth-sign-in-guards';
import { waitFor } from './processes';
import { soloMember } from './solo-member';

/** What the shared scenarios do at a fake provider, each in that provider's own terms. */
export interface FakeCalendars {
  /** A new account with its primary calendar, in `zone` (the provider's own name of a zone) or the fake's default; answers the calendar's id. */
  addAccount(email: string, zone?: string): string;
  /** A secondary calendar of the account; answers its id. */
  addCalendar(email: string, calendar: { name: string; writable: boolean }): string;
  /** The primary calendar's name, as a connection lists it. */
  primaryName(email: string): string;
  /** The owner makes an event, with `marker` in every field the provider has for text. */
  ownerEvent(calendarId: string, start: string, end: string, marker: string): void;
  ownerMove(calendarId: string, eventId: string, start: string, end: string): void;
  ownerDelete(calendarId: string, eventId: string): void;
  ownerDeleteCalendar(calendarId: string): void;
  /** The calendar's open push channels (or subscriptions). */
  livePush(calendarId: string): unknown[];
  /** The calendar's live events that carry the booking's id. */
  ourEvents(calendarId: string, bookingId: string): unknown[];
  /** The requests that asked the fake to make the booking's event. */
  creates(bookingId: string): RecordedRequest[];
  /** Whether the provider takes a grant back when a connection is disconnected. */
  revokesOnDisconnect: boolean;
}

export interface OAuthConnectorScenariosOptions<Fake extends ConsentingFake> {
  suite: ConnectorSuite<Fake>;
  provider: 'google' | 'microsoft';
  /** The connector's Postgres schema, e.g. connector_google. */
  schema: string;
  /** The connector's CREDENTIALS_ENCRYPTION_KEYS (one key). */
  credentialKeys: string;
  /** Put in every text field of every event the owner makes: found nowhere of ours. */
  marker: string;
  /** Every span of the test process (telemetry started in memory before anything else). */
  spans: () => ReadableSpan[];
  calendars: FakeCalendars;
}

/** A tenant with a member open 9 to 5 every day, a one-hour service, and an account at the fake. */
export interface ScenarioMember {
  tenantId: string;
  memberId: string;
  serviceId: string;
  email: string;
  /** The account's primary calendar at the fake. */
  primary: string;
}

export interface BookingEventChange {
  tenantId: string;
  memberId: string;
  calendarId: string;
  bookingId: string;
  change: string;
  start?: string;
  end?: string;
}

/**
 * The connector settings of every scenario: sealed credentials, signed states and push, and
 * changes that must arrive by push (the periodic sync is far off); provider calls retried briefly.
 */
export function oauthConnectorEnv(
  gatewayUrl: string,
  credentialKeys: string,
  webhookSecret: string,
): Record<string, string> {
  return {
    LOG_LEVEL: 'debug',
    CREDENTIALS_ENCRYPTION_KEYS: credentialKeys,
    CREDENTIALS_ACTIVE_KEY_ID: 'k1',
    OAUTH_STATE_SECRET: 'state-secret-for-tests-only',
    WEBHOOK_SECRET: webhookSecret,
    PUBLIC_BASE_URL: gatewayUrl,
    SYNC_INTERVAL_MS: '600000',
    MAINTENANCE_INTERVAL_MS: '250',
    PROVIDER_BUDGET_MS: '3000',
    PROVIDER_ATTEMPT_TIMEOUT_MS: '700',
    PROVIDER_BACKOFF_MS: '50',
    CIRCUIT_OPEN_MS: '500',
  };
}

/** The member's zone, and the day (two days ahead) that every scenario books and reads. */
export const SCENARIO_ZONE = 'America/New_York';
const day = DateTime.now().setZone(SCENARIO_ZONE).plus({ days: 2 }).startOf('day');

/**
 * What every OAuth connector is asked, against its fake: the helpers its own tests use too, and
 * the scenarios every provider passes the same way (`shared`, then `noTrace` last). Call it where
 * the suite's other tests are declared, after connectorSuite.
 */
export function oauthConnectorScenarios<Fake extends ConsentingFake>(options: OAuthConnectorScenariosOptions<Fake>) {
  const { suite, provider, schema, marker, calendars: fake } = options;
  const rpcs = connectorRpcs(provider);
  const eventsChanged: BookingEventChange[] = [];

  beforeAll(() => {
    suite.raw.subscribe('calendar.v1.events.calendar.booking_event_changed', {
      callback: (_error, msg) => eventsChanged.push(JSON.parse(new TextDecoder().decode(msg.data))),
    });
  });

  const at = (hour: number, minute = 0) => day.set({ hour, minute }).toISO({ suppressMilliseconds: true })!;

  async function member(accountZone?: string): Promise<ScenarioMember> {
    const solo = await soloMember(suite.client, { zone: SCENARIO_ZONE });
    const email = `${randomUUID().slice(0, 8)}@example.com`;
    return { ...solo, email, primary: fake.addAccount(email, accountZone) };
  }

  /** The owner's consent in the browser: authorization URL → the fake's consent → the gateway's callback. */
  async function connect(m: ScenarioMember): Promise<Connection> {
    const { authorizationUrl } = await suite.client.request(Rpcs.connectionsAuthorize, {
      tenantId: m.tenantId,
      memberId: m.memberId,
      provider,
    });
    suite.fake.consent = { account: m.email };
    const consent = await fetch(authorizationUrl, { redirect: 'manual' });
    const callback = await fetch(consent.headers.get('location')!);
    const body = (await callback.json()) as { connection: Connection };
    if (callback.status !== 200) throw new Error(`callback answered ${callback.status}: ${JSON.stringify(body)}`);
    return body.connection;
  }

  /** Connected, with availability offering slots (the status event has arrived). */
  async function connected(m: ScenarioMember) {
    const connection = await connect(m);
    await waitFor(async () => (await slots(m)).length > 0, { timeoutMs: 5_000 });
    return {
      connection,
      bookingCalendarId: connection.calendars.find((c) => c.role === CalendarInfo_Role.booking)!.calendarId,
    };
  }

  const find = (m: ScenarioMember) =>
    suite.client.request(Rpcs.slotsFind, {
      tenantId: m.tenantId,
      serviceId: m.serviceId,
      memberId: m.memberId,
      from: at(0),
      to: at(23, 59),
      limit: 50,
      timeZone: SCENARIO_ZONE,
    });
  const slots = async (m: ScenarioMember) => (await find(m)).slots.map((s) => s.start);

  const write = (m: ScenarioMember, calendarId: string, bookingId: string, start: string, end: string) => ({
    tenantId: m.tenantId,
    calendarId,
    bookingId,
    start,
    end,
    title: 'Consultation with Sam',
    description: 'Booked by phone',
  });

  /** The browser's way through consent to the gateway's callback, and the callback's answer. */
  async function signIn(m: ScenarioMember, consent: ConsentingFake['consent'] & Partial<Fake['consent']>) {
    const { authorizationUrl } = await suite.client.request(Rpcs.connectionsAuthorize, {
      tenantId: m.tenantId,
      memberId: m.memberId,
      provider,
    });
    (suite.fake as ConsentingFake).consent = consent;
    const callbackUrl = (await fetch(authorizationUrl, { redirect: 'manual' })).headers.get('location')!;
    return { callbackUrl, answer: await fetch(callbackUrl) };
  }

  const refusal = async (answer: Response) => ({
    status: answer.status,
    ...((await answer.json()) as { error: { code: string; details: { reason?: string } } }).error,
  });

  const ownerEvent = (calendarId: string, start: string, end: string) =>
    fake.ownerEvent(calendarId, start, end, marker);

  /** The scenarios every OAuth connector passes the same way. */
  function shared(): void {
    it('refuses a forged or expired state at the callback and connects nothing', async () => {
      const m = await member();
      const forged = await fetch(`${suite.gateway.url}/v1/oauth/${provider}/callback?state=abc.def&code=x`);
      expect(forged.status).toBe(400);
      expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('invalid_argument');
      const declined = await fetch(`${suite.gateway.url}/v1/oauth/${provider}/callback?state=x&error=access_denied`);
      expect(declined.status).toBe(400);
      expect(
        await suite.database.query(`SELECT * FROM ${schema}.connections WHERE member_id = $1`, [m.memberId]),
      ).toEqual([]);
    });

    it('refuses a declined consent and a used code, connecting nothing', async () => {
      const m = await member();
      const declined = await signIn(m, { account: m.email, deny: true });
      expect(await refusal(declined.answer)).toMatchObject({
        status: 409,
        code: 'failed_precondition',
        details: { reason: 'consent_declined' },
      });

      const used = await signIn(m, { account: m.email });
      expect(used.answer.status).toBe(200);
      await suite.client.request(Rpcs.connectionsDisconnect, {
        tenantId: m.tenantId,
        connectionId: ((await used.answer.json()) as { connection: Connection }).connection.id,
      });
      // The used code with a fresh state: its own state would be refused before the code is looked at.
      const { authorizationUrl } = await suite.client.request(Rpcs.connectionsAuthorize, {
        tenantId: m.tenantId,
        memberId: m.memberId,
        provider,
      });
      const replay = new URL(used.callbackUrl);
      replay.searchParams.set('state', new URL(authorizationUrl).searchParams.get('state')!);
      expect(await refusal(await fetch(replay))).toMatchObject({
        status: 409,
        code: 'failed_precondition',
        details: { reason: 'invalid_code' },
      });
      expect(
        await suite.database.query(`SELECT status FROM ${schema}.connections WHERE member_id = $1`, [m.memberId]),
      ).toEqual([{ status: 'disconnected' }]);
    });

    oauthSignInGuards({ suite, provider, schema, credentialKeys: options.credentialKeys, member });

    it("lets the owner choose the booking calendar and the blocking ones; other providers' ids are left to them", async () => {
      const m = await member();
      const side = fake.addCalendar(m.email, { name: 'Side', writable: true });
      const connection = await connect(m);
      const sideId = connection.calendars.find((c) => c.name === 'Side')!.calendarId;
      const primaryId = connection.calendars.find((c) => c.name === fake.primaryName(m.email))!.calendarId;

      const { calendar } = await suite.client.request(Rpcs.calendarsSetRole, {
        tenantId: m.tenantId,
        calendarId: sideId,
        role: CalendarInfo_Role.booking,
      });
      expect(calendar).toMatchObject({ calendarId: sideId, role: CalendarInfo_Role.booking });
      const { calendars } = await suite.client.request(rpcs.calendars, { tenantId: m.tenantId, memberId: m.memberId });
      expect(new Map(calendars.map((c) => [c.calendarId, c.role]))).toEqual(
        new Map([
          [sideId, 'booking'],
          [primaryId, 'blocking'],
        ]),
      );

      await suite.client.request(Rpcs.calendarsSetRole, {
        tenantId: m.tenantId,
        calendarId: primaryId,
        role: CalendarInfo_Role.ignored,
      });
      await waitFor(() => fake.livePush(m.primary).length === 0);
      expect(fake.livePush(side)).toHaveLength(1);
      const refused = await suite.client
        .request(Rpcs.calendarsSetRole, { tenantId: m.tenantId, calendarId: sideId, role: CalendarInfo_Role.ignored })
        .catch((e) => e);
      expect(refused).toMatchObject({ code: 'failed_precondition' });

      // Another connector's id: no answer from this one.
      const other = await suite.client
        .request(
          Rpcs.calendarsSetRole,
          { tenantId: m.tenantId, calendarId: `caldav:${randomUUID()}`, role: CalendarInfo_Role.blocking },
          { timeoutMs: 300 },
        )
        .catch((e) => e);
      expect(other).toMatchObject({ code: 'deadline_exceeded' });
    });

    it(`shows a change made at ${provider} in slots.find within 2 s, through push alone`, async () => {
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
      process.stdout.write(`${provider} push-to-slots latency (ms): ${latencies.join(', ')}\n`);
      expect(Math.max(...latencies)).toBeLessThan(2_000);
    });

    it('tells the booking service when the owner deletes or moves one of our events', async () => {
      const m = await member();
      const { bookingCalendarId } = await connected(m);
      const deleted = randomUUID();
      const moved = randomUUID();
      const a = await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, deleted, at(9), at(10)));
      const b = await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, moved, at(11), at(12)));
      await suite.fake.settled();
      fake.ownerDelete(m.primary, a.event!.eventId);
      fake.ownerMove(m.primary, b.event!.eventId, at(13), at(14));
      await waitFor(() => eventsChanged.filter((e) => e.bookingId === deleted || e.bookingId === moved).length === 2, {
        timeoutMs: 3_000,
      });
      expect(eventsChanged.find((e) => e.bookingId === deleted)).toMatchObject({
        tenantId: m.tenantId,
        memberId: m.memberId,
        calendarId: bookingCalendarId,
        change: 'deleted',
      });
      const change = eventsChanged.find((e) => e.bookingId === moved)!;
      expect([change.change, Date.parse(change.start!), Date.parse(change.end!)]).toEqual([
        'moved',
        Date.parse(at(13)),
        Date.parse(at(14)),
      ]);
    });

    it('reads the calendar list again: a calendar made since blocks time, a deleted one takes our events with it', async () => {
      const m = await member();
      const workAtProvider = fake.addCalendar(m.email, { name: 'Work', writable: true });
      const connection = await connect(m);
      const work = connection.calendars.find((c) => c.name === 'Work')!.calendarId;
      const primary = connection.calendars.find((c) => c.name === fake.primaryName(m.email))!.calendarId;
      await suite.client.request(Rpcs.calendarsSetRole, {
        tenantId: m.tenantId,
        calendarId: work,
        role: CalendarInfo_Role.booking,
      });
      const bookingId = randomUUID();
      await suite.client.request(rpcs.createEvent, write(m, work, bookingId, at(9), at(10)));
      const side = fake.addCalendar(m.email, { name: 'Side', writable: true });
      ownerEvent(side, at(11, 15), at(11, 45));
      await waitFor(async () => (await slots(m)).includes(at(11)), { timeoutMs: 5_000 });
      // Until the list is read again, the deleted calendar cannot be read: the member is left out.
      fake.ownerDeleteCalendar(workAtProvider);

      // Due now, as if the last reading were long ago: the next maintenance round reads the list.
      await suite.database.query(
        `UPDATE ${schema}.connections SET calendars_listed_at = now() - interval '1 day' WHERE id = $1`,
        [connection.id],
      );
      await waitFor(
        async () => {
          const offered = await slots(m);
          return offered.includes(at(13)) && !offered.includes(at(11));
        },
        { timeoutMs: 5_000 },
      );
      await waitFor(() => eventsChanged.some((e) => e.bookingId === bookingId), { timeoutMs: 3_000 });
      expect(eventsChanged.find((e) => e.bookingId === bookingId)).toMatchObject({
        tenantId: m.tenantId,
        memberId: m.memberId,
        calendarId: work,
        change: 'deleted',
      });
      const { calendars } = await suite.client.request(rpcs.calendars, { tenantId: m.tenantId, memberId: m.memberId });
      const sideId = calendars.find((c) => c.calendarId !== primary)!.calendarId;
      // The member still has a booking calendar: the primary, the one writable calendar left.
      expect(new Map(calendars.map((c) => [c.calendarId, c.role]))).toEqual(
        new Map([
          [primary, 'booking'],
          [sideId, 'blocking'],
        ]),
      );
      await waitFor(() => fake.livePush(side).length === 1);
    });

    it('marks the connection needs_reauth on invalid_grant, tells the owner, and offers no slots for the member', async () => {
      const m = await member();
      const { connection } = await connected(m);
      const statuses: { status: string; connectionId: string }[] = [];
      const subscription = suite.raw.subscribe('calendar.v1.events.connection.status', {
        callback: (_error, msg) => statuses.push(JSON.parse(new TextDecoder().decode(msg.data))),
      });
      suite.fake.revokeGrants(m.email);
      const busy = await suite.client
        .request(rpcs.busy, { tenantId: m.tenantId, memberId: m.memberId, from: at(0), to: at(23), fresh: true })
        .catch((e) => e);
      const reason = busy instanceof RpcError ? busy.details.reason : busy.calendars[0].error?.details?.reason;
      expect(reason).toBe('needs_reauth');
      await waitFor(() => statuses.some((s) => s.connectionId === connection.id && s.status === 'needs_reauth'), {
        timeoutMs: 3_000,
      });
      subscription.unsubscribe();
      await waitFor(async () => (await find(m)).skipped[0]?.reason === 'needs_reauth', { timeoutMs: 3_000 });
      expect((await find(m)).slots).toEqual([]);
      const [row] = await suite.database.query(`SELECT status FROM ${schema}.connections WHERE id = $1`, [
        connection.id,
      ]);
      expect(row.status).toBe('needs_reauth');
      // Writing is refused cleanly too.
      const calendarId = connection.calendars[0].calendarId;
      const refused = await suite.client
        .request(rpcs.createEvent, write(m, calendarId, randomUUID(), at(10), at(11)))
        .catch((e) => e);
      expect(refused).toMatchObject({ code: 'failed_precondition', details: { reason: 'needs_reauth' } });
      // The owner connects again: the same connection, connected, and the member is offered again.
      const again = await connect(m);
      expect(again).toMatchObject({ id: connection.id, status: Connection_Status.connected });
      await waitFor(async () => (await slots(m)).length === 8, { timeoutMs: 5_000 });
    });

    it('completes bookings through 429 bursts (fractional Retry-After honoured) and fails cleanly on 500s, never with two events', async () => {
      const m = await member();
      const { bookingCalendarId } = await connected(m);
      const creating = (r: RecordedRequest) => r.method === 'POST' && r.path.endsWith('/events');

      suite.fake.inject({ status: 429, retryAfter: '0.4', times: 2, match: creating });
      const throttled = randomUUID();
      let started = Date.now();
      await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, throttled, at(9), at(10)));
      expect(Date.now() - started).toBeGreaterThanOrEqual(800);
      expect(fake.ourEvents(m.primary, throttled)).toHaveLength(1);

      suite.fake.inject({ status: 500, times: 1_000, match: creating });
      const failing = randomUUID();
      started = Date.now();
      const error = await suite.client
        .request(rpcs.createEvent, write(m, bookingCalendarId, failing, at(11), at(12)))
        .catch((e) => e);
      expect(error).toMatchObject({ code: 'unavailable' });
      expect(Date.now() - started).toBeLessThan(4_000);
      suite.fake.clearFaults();
      await new Promise((resolve) => setTimeout(resolve, 600)); // the circuit closes again
      await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, failing, at(11), at(12)));
      expect(fake.ourEvents(m.primary, failing)).toHaveLength(1);

      // A slow provider: the first create lands after the attempt timed out; the retry finds it and answers it.
      const slow = randomUUID();
      suite.fake.delayMs = 900;
      try {
        const reply = await suite.client
          .request(rpcs.createEvent, write(m, bookingCalendarId, slow, at(13), at(14)))
          .catch((e) => e);
        if (reply instanceof RpcError) expect(reply.code).toBe('unavailable');
      } finally {
        suite.fake.delayMs = 0;
      }
      await suite.client.request(rpcs.createEvent, write(m, bookingCalendarId, slow, at(13), at(14)));
      expect(fake.ourEvents(m.primary, slow)).toHaveLength(1);
      expect(fake.creates(slow).length).toBeGreaterThan(1);
    });

    it('disconnects: push stopped, the grant given back where the provider takes it, the credentials deleted', async () => {
      const m = await member();
      const { connection } = await connected(m);
      const reply = await suite.client.request(Rpcs.connectionsDisconnect, {
        tenantId: m.tenantId,
        connectionId: connection.id,
      });
      expect(reply.connection).toMatchObject({ id: connection.id, status: Connection_Status.disconnected });
      expect(fake.livePush(m.primary)).toEqual([]);
      expect(suite.fake.grants.filter((g) => g.account === m.email).every((g) => g.revoked)).toBe(
        fake.revokesOnDisconnect,
      );
      const [row] = await suite.database.query(
        `SELECT status, credentials_sealed, credentials_key_id FROM ${schema}.connections WHERE id = $1`,
        [connection.id],
      );
      expect(row).toEqual({ status: 'disconnected', credentials_sealed: null, credentials_key_id: null });
    });
  }

  /**
   * The last scenario, after everything else ran with the marker in every owner event: no event
   * detail and no sign-in secret in Postgres, logs, NATS messages or spans. `providerChecks` adds
   * what the provider was asked for, read from the fake.
   */
  function noTrace(providerChecks: (m: ScenarioMember) => void): void {
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

      providerChecks(m);
      const dump = await suite.database.dump();
      expect(dump.length).toBeGreaterThan(1_000);
      expect(dump).not.toContain(marker);
      expect(dump.toLowerCase()).not.toContain(marker.toLowerCase());
      expect(suite.output.text().length).toBeGreaterThan(0);
      expect(suite.output.text()).not.toContain(marker);
      expect(suite.natsMessages.length).toBeGreaterThan(50);
      expect(suite.natsMessages.join('\n')).not.toContain(marker);
      const spans = options.spans();
      expect(spans.some((s) => s.name.startsWith(`${provider} `))).toBe(true);
      const spanText = JSON.stringify(
        spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })),
      );
      expect(spanText).not.toContain(marker);

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
  }

  return {
    day,
    at,
    member,
    connect,
    connected,
    find,
    slots,
    write,
    signIn,
    refusal,
    ownerEvent,
    eventsChanged,
    shared,
    noTrace,
  };
}
