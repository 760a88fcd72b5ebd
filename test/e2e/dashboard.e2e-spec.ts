import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  FakeGoogle,
  startCaldavServer,
  startSystem,
  type CaldavTestServer,
  type RunningSystem,
} from '@calldesk/testing';
import { DateTime } from 'luxon';
import { connect, type NatsConnection } from 'nats';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from './browser';

const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'test-output', 'screenshots');
const ZONE = 'Europe/London';
const PASSWORD = 'owner password for the e2e';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The next weekday at least two days ahead, in the tenant's zone: clear of any minimum notice. */
const DAY = (() => {
  let day = DateTime.now().setZone(ZONE).startOf('day').plus({ days: 2 });
  while (day.weekday > 5) day = day.plus({ days: 1 });
  return day;
})();

/**
 * The owner's dashboard in a real browser (Debian's chromium) against the whole system as
 * processes and a real Radicale: what the help page asks an owner to do, end to end.
 */
// Browser steps wait for what a person would see; each may take a few seconds on a busy machine.
jest.setTimeout(20_000);

describe('the owner’s dashboard', () => {
  let radicale: CaldavTestServer;
  let google: FakeGoogle;
  let system: RunningSystem;
  let nc: NatsConnection;
  let browser: TestBrowser;
  let page: Page;
  const a = { tenantId: '', email: `owner-a-${randomUUID()}@example.test` };
  const b = {
    tenantId: '',
    key: '',
    keyId: '',
    memberId: '',
    serviceId: '',
    bookingId: '',
    connectionId: '',
    calendarId: '',
  };

  const ask = async (subject: string, body: unknown) => {
    const reply = JSON.parse(
      decoder.decode((await nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: 15_000 })).data),
    );
    if (reply.error) throw new Error(`${subject}: ${reply.error.message}`);
    return reply;
  };
  const operator = async (method: string, route: string, body: unknown) => {
    const response = await fetch(`${system.gatewayUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${system.operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return response.json();
  };
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const nav = (name: string) => page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name }).click();

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    radicale = await startCaldavServer('radicale');
    await radicale.makeCalendar('work', { name: 'Work', timeZone: ZONE });
    google = await FakeGoogle.start({ allowInsecureWebhooks: true });
    google.addAccount('dana@example.test', ZONE);
    const env = {
      CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
      CALDAV_POLL_SECONDS: '1',
      CREDENTIALS_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      OAUTH_STATE_SECRET: randomBytes(24).toString('base64url'),
      GOOGLE_CLIENT_ID: google.clientId,
      GOOGLE_CLIENT_SECRET: google.clientSecret,
      GOOGLE_AUTH_URL: google.oauthEndpoints.oauth2AuthBaseUrl,
      GOOGLE_TOKEN_URL: google.oauthEndpoints.oauth2TokenUrl,
      GOOGLE_REVOKE_URL: google.oauthEndpoints.oauth2RevokeUrl,
      GOOGLE_API_ROOT_URL: `${google.url}/`,
    };
    [system, browser] = await Promise.all([startSystem(env), launchBrowser()]);
    nc = await connect({ servers: system.natsUrl });
    page = await browser.context.newPage();

    a.tenantId = (await operator('POST', '/v1/tenants', { name: 'Salon A', timeZone: ZONE })).tenant.id;
    await operator('POST', `/v1/tenants/${a.tenantId}/owners`, { email: a.email, password: PASSWORD });

    // Tenant B, with something of everything for A's owner to reach for.
    b.tenantId = (await operator('POST', '/v1/tenants', { name: 'Salon B', timeZone: ZONE })).tenant.id;
    await operator('POST', `/v1/tenants/${b.tenantId}/owners`, {
      email: `owner-b-${randomUUID()}@example.test`,
      password: PASSWORD,
    });
    ({ key: b.key, id: b.keyId } = await operator('POST', `/v1/tenants/${b.tenantId}/api-keys`, {
      name: 'orchestrator',
    }));
    b.memberId = (await ask('calendar.v1.admin.members.create', { tenantId: b.tenantId, name: 'Bea' })).member.id;
    await ask('calendar.v1.admin.availability.set', {
      tenantId: b.tenantId,
      memberId: b.memberId,
      weeklyHours: [{ weekday: DAY.weekday, start: '09:00', end: '17:00' }],
    });
    b.serviceId = (
      await ask('calendar.v1.admin.services.create', {
        tenantId: b.tenantId,
        name: 'Colour',
        durationMinutes: 60,
        memberIds: [b.memberId],
        strategy: 'specific',
      })
    ).service.id;
    const connected = await ask('calendar.v1.admin.connections.connect', {
      tenantId: b.tenantId,
      memberId: b.memberId,
      provider: 'caldav',
      serverUrl: radicale.url,
      username: radicale.username,
      password: radicale.password,
    });
    b.connectionId = connected.connection.id;
    b.calendarId = connected.connection.calendars[0].calendarId;
    const booked = await ask('calendar.v1.bookings.create', {
      idempotencyKey: randomUUID(),
      tenantId: b.tenantId,
      serviceId: b.serviceId,
      memberId: b.memberId,
      start: DAY.set({ hour: 15 }).toISO(),
      customer: { name: 'Bea’s customer', phone: '+447700900999' },
    });
    b.bookingId = booked.booking.id;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await nc?.close();
    await system?.stop();
    await radicale?.close();
    await google?.close();
  }, 60_000);

  it('signs the owner in, who adds a team member and a service, connects a CalDAV calendar, and sets hours with a lunch block', async () => {
    await page.goto(`${system.gatewayUrl}/`);
    await page.getByLabel('Email').fill(a.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await shot('1-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await nav('Team & services');
    await page.getByRole('form', { name: 'Add a team member' }).getByLabel('Name').fill('Dana');
    await page.getByRole('button', { name: 'Add team member' }).click();
    await page.getByText('Dana (Europe/London)').waitFor();
    await page.getByLabel('Service name').fill('Haircut');
    await page.getByRole('button', { name: 'Add service' }).click();
    await page.getByText('Haircut — 30 min, with Dana').waitFor();

    await nav('Calendar');
    await page.getByText('No calendar is connected yet').waitFor();
    await page.getByRole('radio', { name: 'Another CalDAV server' }).check();
    await page.getByLabel('Server URL', { exact: true }).fill(radicale.url);
    await page.getByLabel('Username', { exact: true }).fill(radicale.username);
    await page.getByLabel('Password', { exact: true }).fill(radicale.password);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const connection = page.getByRole('article', { name: 'Apple Calendar / CalDAV connection' });
    await connection.getByText('Connected', { exact: true }).waitFor();
    expect(await connection.getByLabel('What Work does').inputValue()).toBe('booking');
    await shot('2-calendar-connected');

    await nav('Hours & rules');
    await page.getByRole('button', { name: 'Monday to Friday, 9 to 5' }).click();
    await page.getByRole('button', { name: 'Add blocked time' }).click();
    await page.getByText('Lunch: every weekday, 12:00–13:00').waitFor();
    await page.getByLabel('Offer a start every').fill('15');
    await page.getByRole('button', { name: 'Save hours and rules' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    await shot('3-hours');
  });

  it('shows a booking made over NATS on the appointments page within a second, without a reload', async () => {
    await nav('Appointments');
    await page.getByText('● Live').waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const tenant = { tenantId: a.tenantId };
    const [{ members }, { services }] = await Promise.all([
      ask('calendar.v1.admin.members.list', tenant),
      ask('calendar.v1.admin.services.list', tenant),
    ]);
    const asked = Date.now();
    const reply = await ask('calendar.v1.bookings.create', {
      idempotencyKey: randomUUID(),
      tenantId: a.tenantId,
      serviceId: services[0].id,
      start: DAY.set({ hour: 10 }).toISO(),
      customer: { name: 'Ada Lovelace', phone: '+447700900123' },
    });
    expect(reply.outcome).toBe('confirmed');
    const answered = Date.now();
    await page.getByText('Ada Lovelace').waitFor({ timeout: 1_000 });
    const shown = Date.now();
    process.stdout.write(
      `booking shown ${shown - answered} ms after NATS answered (${shown - asked} ms after it was asked)\n`,
    );
    expect(reply.booking.memberId).toBe(members[0].id);
    expect(await page.locator(`[data-booking-id="${reply.booking.id}"] .when`).textContent()).toBe('10:00–10:30');

    await ask('calendar.v1.bookings.cancel', {
      tenantId: a.tenantId,
      bookingId: reply.booking.id,
      reason: 'caller_cancelled',
    });
    await page
      .locator(`[data-booking-id="${reply.booking.id}"]`)
      .getByText('Cancelled: caller cancelled')
      .waitFor({ timeout: 1_000 });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await ask('calendar.v1.bookings.create', {
      idempotencyKey: randomUUID(),
      tenantId: a.tenantId,
      serviceId: services[0].id,
      start: DAY.set({ hour: 14, minute: 30 }).toISO(),
      customer: { name: 'Grace Hopper', phone: '+447700900456' },
      notes: 'First visit',
    });
    await page.getByText('Grace Hopper').waitFor({ timeout: 1_000 });

    // The owner drags a booking's event in their calendar app onto Grace's appointment: it is flagged.
    const alan = await ask('calendar.v1.bookings.create', {
      idempotencyKey: randomUUID(),
      tenantId: a.tenantId,
      serviceId: services[0].id,
      start: DAY.set({ hour: 16 }).toISO(),
      customer: { name: 'Alan Turing', phone: '+447700900789' },
    });
    await moveEvent(alan.booking.id, DAY.set({ hour: 14, minute: 30 }), DAY.set({ hour: 15 }));
    const flagged = page.locator(`[data-booking-id="${alan.booking.id}"]`);
    await flagged
      .getByText('Needs attention: it was moved in your calendar onto another appointment')
      .waitFor({ timeout: 15_000 });
    expect(await flagged.getAttribute('class')).toContain('flagged');
    await page.getByText('1 appointment needs your attention.').waitFor();
    await shot('4-appointments');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('5-appointments-phone');
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('says in words why 12:15 is not offered: the lunch block', async () => {
    await nav('Why not offered?');
    await page.getByLabel('Date', { exact: true }).fill(DAY.toISODate()!);
    await page.getByLabel('Time', { exact: true }).fill('12:15');
    await page.getByRole('button', { name: 'Check' }).click();
    const answer = page.locator('.answer');
    await answer.getByText('blocked time').waitFor();
    expect(await answer.textContent()).toBe(
      `12:15 on ${DAY.toFormat('cccc d MMMM')} is not offered: it falls in a blocked time (Lunch: every weekday, 12:00–13:00).`,
    );
    await shot('6-explain');
  });

  it('refuses a call that changes something without the session’s CSRF token', async () => {
    const statuses = await page.evaluate(async () => {
      const post = (headers: Record<string, string>) =>
        fetch('/v1/members', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ name: 'Mallory' }),
        }).then(async (r) => [r.status, (await r.json()).error?.code]);
      return [await post({}), await post({ 'x-csrf-token': 'guessed' })];
    });
    expect(statuses).toEqual([
      [403, 'permission_denied'],
      [403, 'permission_denied'],
    ]);
    const { members } = await ask('calendar.v1.admin.members.list', { tenantId: a.tenantId });
    expect(members.map((m: { name: string }) => m.name)).toEqual(['Dana']);
  });

  it('lets owner A’s session neither read nor change anything of tenant B, on every route', async () => {
    const cookie = (await browser.context.cookies()).find((c) => c.name === 'calldesk_session')!;
    const headers = { cookie: `${cookie.name}=${cookie.value}`, 'content-type': 'application/json' };
    const { session } = await (await fetch(`${system.gatewayUrl}/v1/session`, { headers })).json();
    const document = await (await fetch(`${system.gatewayUrl}/v1/openapi.json`)).json();
    const before = await tenantState(b);
    const secrets = [b.tenantId, b.memberId, b.serviceId, b.bookingId, b.connectionId, b.calendarId, b.keyId, 'Bea'];
    const ids: Record<string, string> = {
      bookings: b.bookingId,
      members: b.memberId,
      services: b.serviceId,
      connections: b.connectionId,
      calendars: b.calendarId,
      tenants: b.tenantId,
    };
    const query = new URLSearchParams({
      tenantId: b.tenantId,
      memberId: b.memberId,
      serviceId: b.serviceId,
      from: DAY.toISO()!,
      to: DAY.plus({ days: 1 }).toISO()!,
      start: DAY.set({ hour: 15 }).toISO()!,
    });
    const body = {
      tenantId: b.tenantId,
      memberId: b.memberId,
      serviceId: b.serviceId,
      name: 'taken over',
      start: DAY.set({ hour: 11 }).toISO(),
      customer: { name: 'Mallory', phone: '+447700900666' },
      role: 'ignored',
      provider: 'caldav',
      username: 'mallory',
      password: 'mallory',
      weeklyHours: [],
    };
    let tried = 0;
    for (const [template, operations] of Object.entries<Record<string, { security: Record<string, string[]>[] }>>(
      document.paths,
    )) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!operation.security.length) continue;
        const route = template
          .replace(/\/(\w+)\/\{id\}/g, (_, resource: string) => `/${resource}/${ids[resource]}`)
          .replace('{keyId}', b.keyId);
        const response = await fetch(`${system.gatewayUrl}${route}?${query}`, {
          method: method.toUpperCase(),
          headers: { ...headers, 'x-csrf-token': session.csrfToken, 'idempotency-key': randomUUID() },
          body: method === 'get' ? undefined : JSON.stringify(body),
        });
        const text = route === '/v1/events' ? '' : await response.text();
        if (route === '/v1/events') await response.body?.cancel();
        tried++;
        const call = `${method} ${route}`;
        if (response.ok) {
          // Answered: only about A's own tenant (its own tenant, members, stream), nothing of B's.
          expect({ call, leaked: secrets.filter((secret) => text.includes(secret)) }).toEqual({ call, leaked: [] });
          expect({ call, operatorRoute: template.startsWith('/v1/tenants') || template === '/v1/status' }).toEqual({
            call,
            operatorRoute: false,
          });
        } else {
          // Refused (a 404 may name the id it was asked for: that is no news to the caller).
          expect({ call, code: JSON.parse(text).error.code }).toEqual({
            call,
            code: expect.stringMatching(/^(permission_denied|not_found|invalid_argument)$/),
          });
        }
      }
    }
    expect(tried).toBeGreaterThan(30);
    expect(await tenantState(b)).toEqual(before);
  });

  it('connects Google through its consent page and back to the dashboard, and disconnects it after asking', async () => {
    await nav('Calendar');
    await page.getByRole('button', { name: 'Connect Google Calendar' }).click();
    const connection = page.getByRole('article', { name: 'Google Calendar connection' });
    await connection.getByText('Connected', { exact: true }).waitFor();
    expect(page.url()).toBe(`${system.gatewayUrl}/app#/calendar`);
    expect(await connection.getByLabel('What dana@example.test does').inputValue()).toBe('booking');

    page.once('dialog', (dialog) => void dialog.accept());
    await connection.getByRole('button', { name: 'Disconnect' }).click();
    await connection.waitFor({ state: 'detached' });
  });

  it('shows the Reconnect banner when the calendar refuses the password, until the owner reconnects', async () => {
    await nav('Calendar');
    await radicale.setPassword('a new app-specific password');
    const banner = page.getByRole('alert').filter({ hasText: 'calendar needs reconnecting' });
    await banner.waitFor({ timeout: 20_000 });
    await page
      .getByRole('article', { name: 'Apple Calendar / CalDAV connection' })
      .getByText('Needs reconnecting')
      .waitFor();
    await shot('7-needs-reauth');
    await banner.getByRole('link', { name: 'Reconnect' }).click();
    expect(page.url()).toContain('#/calendar');

    await page.getByRole('radio', { name: 'Another CalDAV server' }).check();
    await page.getByLabel('Server URL', { exact: true }).fill(radicale.url);
    await page.getByLabel('Username', { exact: true }).fill(radicale.username);
    await page.getByLabel('Password', { exact: true }).fill('a new app-specific password');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page
      .getByRole('article', { name: 'Apple Calendar / CalDAV connection' })
      .getByText('Connected', { exact: true })
      .waitFor();
    await banner.waitFor({ state: 'detached' });
    expect(await page.getByRole('article').count()).toBe(1);
  }, 30_000);

  it('shows the API reference at /docs with nothing loaded from elsewhere', async () => {
    const reference = await browser.context.newPage();
    const origins = new Set<string>();
    reference.on('request', (request) => void origins.add(new URL(request.url()).origin));
    await reference.goto(`${system.gatewayUrl}/docs`);
    await reference.getByText('CallDesk Calendar HTTP API').first().waitFor();
    await reference.getByText('/v1/members/{id}/availability').first().waitFor();
    await reference.screenshot({ path: path.join(SCREENSHOTS, '8-api-reference.png') });
    expect([...origins]).toEqual([system.gatewayUrl]);
    await reference.close();
  });

  /** Moves a booking's event in the CalDAV calendar, as the owner's calendar app would. */
  async function moveEvent(bookingId: string, start: DateTime, end: DateTime): Promise<void> {
    const url = `${radicale.homeUrl}work/calldesk-${bookingId}.ics`;
    const stored = (await radicale.client.get(url))!;
    const utc = (time: DateTime) => time.toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'");
    const [calendar, event] = stored.data.split('BEGIN:VEVENT');
    const moved = event
      .replace(/^DTSTART[^\r\n]*/m, `DTSTART:${utc(start)}`)
      .replace(/^DTEND[^\r\n]*/m, `DTEND:${utc(end)}`);
    expect(
      (await radicale.client.put(url, `${calendar}BEGIN:VEVENT${moved}`, { ifMatch: stored.etag })).status,
    ).toBeLessThan(300);
  }

  /** Everything of a tenant's that a route could read or change, read over NATS. */
  async function tenantState(tenant: typeof b) {
    const { tenantId, memberId } = tenant;
    const [tenantReply, members, services, availability, bookings, connections, keyStillWorks] = await Promise.all([
      ask('calendar.v1.admin.tenants.get', { id: tenantId }),
      ask('calendar.v1.admin.members.list', { tenantId }),
      ask('calendar.v1.admin.services.list', { tenantId }),
      ask('calendar.v1.admin.availability.get', { tenantId, memberId }),
      ask('calendar.v1.bookings.list', { tenantId, from: DAY.toISO(), to: DAY.plus({ days: 1 }).toISO() }),
      ask('calendar.v1.admin.connections.list', { tenantId, memberId, provider: 'caldav' }),
      fetch(`${system.gatewayUrl}/v1/tenant`, { headers: { authorization: `Bearer ${tenant.key}` } }).then(
        (r) => r.status,
      ),
    ]);
    return { tenantReply, members, services, availability, bookings, connections, keyStillWorks };
  }
});
