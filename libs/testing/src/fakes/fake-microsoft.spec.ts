import { createServer, type Server } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client, HTTPMessageHandler, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { FakeMicrosoft, type GraphEvent } from './fake-microsoft';

const REDIRECT = 'http://127.0.0.1:1/v1/oauth/microsoft/callback';
const PROPERTY = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name calldeskBookingId';

/** As the connector builds it: our own bearer middleware, then the HTTP handler (no retry handler). */
function graph(fake: FakeMicrosoft, accessToken: string): Client {
  let next: Middleware;
  const auth: Middleware = {
    execute: async (context: Context) => {
      context.options = {
        ...context.options,
        headers: { ...(context.options?.headers as Record<string, string>), Authorization: `Bearer ${accessToken}` },
      };
      await next.execute(context);
    },
    setNext: (middleware) => {
      next = middleware;
    },
  };
  auth.setNext!(new HTTPMessageHandler());
  return Client.initWithMiddleware({ baseUrl: fake.graphUrl, defaultVersion: 'v1.0', middleware: auth });
}

/** The path and query of an absolute link, as the client takes it (it strips only https hosts). */
const relative = (link: string) => {
  const url = new URL(link);
  return `${url.pathname.replace(/^\/v1\.0/, '')}${url.search}`;
};

async function token(fake: FakeMicrosoft, form: Record<string, string>) {
  const response = await fetch(fake.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: fake.clientId, client_secret: fake.clientSecret, ...form }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** A notification receiver standing in for the gateway: echoes validation tokens. */
async function receiver(options: { echo?: boolean } = {}) {
  const posts: { url: string; body: string; contentType?: string }[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url!, 'http://x');
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      posts.push({ url: request.url!, body, contentType: request.headers['content-type'] });
      const validation = url.searchParams.get('validationToken');
      if (validation !== null) {
        if (options.echo === false) response.writeHead(200, { 'content-type': 'text/plain' }).end('wrong');
        else response.writeHead(200, { 'content-type': 'text/plain' }).end(validation);
        return;
      }
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/webhooks/microsoft`,
    posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('FakeMicrosoft through @microsoft/microsoft-graph-client', () => {
  let fake: FakeMicrosoft;
  let api: Client;
  let calendarId: string;
  let refreshToken: string;

  beforeEach(async () => {
    fake = await FakeMicrosoft.start({ allowInsecureWebhooks: true, pageSize: 2 });
    calendarId = fake.addAccount('owner@example.com', 'Eastern Standard Time').id;
    const authorize = new URL(fake.authorizeUrl);
    Object.entries({
      client_id: fake.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT,
      response_mode: 'query',
      scope: 'offline_access Calendars.ReadWrite',
      state: 's1',
    }).forEach(([k, v]) => authorize.searchParams.set(k, v));
    const location = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!);
    expect(location.searchParams.get('state')).toBe('s1');
    const { body } = await token(fake, {
      grant_type: 'authorization_code',
      code: location.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      scope: 'offline_access Calendars.ReadWrite',
    });
    refreshToken = body.refresh_token;
    api = graph(fake, body.access_token);
  });

  afterEach(() => fake.close());

  it('rotates refresh tokens (the old one dies) and answers invalid_grant with an AADSTS description', async () => {
    const first = await token(fake, { grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(refreshToken);
    const reused = await token(fake, { grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(reused.body.error_description).toMatch(/^AADSTS/);
    fake.expireAccessTokens();
    await expect(api.api('/me/calendars').get()).rejects.toMatchObject({
      statusCode: 401,
      code: 'InvalidAuthenticationToken',
    });
  });

  it('enforces PKCE as Microsoft does: a code asked with a challenge needs its verifier, refused with an AADSTS description', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const consent = async (pkce: Record<string, string>) => {
      const authorize = new URL(fake.authorizeUrl);
      const query = {
        client_id: fake.clientId,
        response_type: 'code',
        redirect_uri: REDIRECT,
        scope: 'offline_access Calendars.ReadWrite',
        ...pkce,
      };
      Object.entries(query).forEach(([k, v]) => authorize.searchParams.set(k, v));
      const redirect = await fetch(authorize, { redirect: 'manual' });
      return {
        status: redirect.status,
        code: new URL(redirect.headers.get('location') ?? REDIRECT).searchParams.get('code')!,
      };
    };
    const exchange = (code: string, pkce: Record<string, string> = {}) =>
      token(fake, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...pkce });

    const { code } = await consent({
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const missing = await exchange(code);
    expect(missing).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(missing.body.error_description).toMatch(/^AADSTS50148:/);
    const wrong = await exchange(code, { code_verifier: randomBytes(32).toString('base64url') });
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(wrong.body.error_description).toMatch(/^AADSTS501481:/);
    expect(await exchange(code, { code_verifier: verifier })).toMatchObject({
      status: 200,
      body: { access_token: expect.any(String) },
    });

    // plain (the default method) compares the verifier itself; an unknown method is refused at once.
    expect(
      (await exchange((await consent({ code_challenge: verifier })).code, { code_verifier: verifier })).status,
    ).toBe(200);
    const unknownMethod = await consent({ code_challenge: verifier, code_challenge_method: 'S512' });
    expect(unknownMethod.status).toBe(400);
  });

  it('lists calendars and the mailbox zone', async () => {
    fake.addCalendar('owner@example.com', { name: 'Shared', canEdit: false });
    const { value } = await api.api('/me/calendars').select(['id', 'name', 'canEdit', 'isDefaultCalendar']).get();
    expect(value).toEqual([
      { id: calendarId, name: 'Calendar', canEdit: true, isDefaultCalendar: true },
      expect.objectContaining({ name: 'Shared', canEdit: false }),
    ]);
    expect(await api.api('/me/mailboxSettings').select('timeZone').get()).toEqual({
      timeZone: 'Eastern Standard Time',
    });
  });

  it('pages calendarView with $select and UTC times', async () => {
    for (const hour of [10, 12, 14]) {
      fake.ownerCreate(calendarId, {
        subject: 'secret',
        start: { dateTime: `2030-01-07T${hour}:00:00`, timeZone: 'Eastern Standard Time' },
        end: { dateTime: `2030-01-07T${hour + 1}:00:00`, timeZone: 'Eastern Standard Time' },
        showAs: hour === 12 ? 'free' : 'busy',
      });
    }
    const events: Partial<GraphEvent>[] = [];
    let page = await api
      .api(`/me/calendars/${calendarId}/calendarView`)
      .query({ startDateTime: '2030-01-07T00:00:00Z', endDateTime: '2030-01-08T00:00:00Z' })
      .select(['start', 'end', 'showAs', 'isCancelled', 'type'])
      .header('Prefer', 'outlook.timezone="UTC"')
      .get();
    events.push(...page.value);
    while (page['@odata.nextLink']) {
      page = await api.api(relative(page['@odata.nextLink'])).header('Prefer', 'outlook.timezone="UTC"').get();
      events.push(...page.value);
    }
    expect(events.map((e) => [e.start!.dateTime, e.showAs])).toEqual([
      ['2030-01-07T15:00:00.0000000', 'busy'],
      ['2030-01-07T17:00:00.0000000', 'free'],
      ['2030-01-07T19:00:00.0000000', 'busy'],
    ]);
    expect(events.every((e) => !('subject' in e))).toBe(true);
  });

  it('creates once per transactionId, returns the extended property only when expanded, checks etags, deletes', async () => {
    const body = {
      subject: 'Consultation',
      start: { dateTime: '2030-01-07T15:00:00', timeZone: 'UTC' },
      end: { dateTime: '2030-01-07T16:00:00', timeZone: 'UTC' },
      transactionId: 'booking-1',
      singleValueExtendedProperties: [{ id: PROPERTY, value: 'booking-1' }],
    };
    const created = await api.api(`/me/calendars/${calendarId}/events`).post(body);
    const retried = await api.api(`/me/calendars/${calendarId}/events`).post(body);
    expect(retried.id).toBe(created.id);
    expect(fake.events(calendarId)).toHaveLength(1);
    await expect(
      api.api(`/me/calendars/${calendarId}/events`).post({ ...body, subject: 'other' }),
    ).rejects.toMatchObject({ code: 'ErrorDuplicateTransactionId' });
    expect(created.singleValueExtendedProperties).toBeUndefined();

    const found = await api
      .api(`/me/calendars/${calendarId}/events`)
      .filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${PROPERTY}' and ep/value eq 'booking-1')`)
      .expand(`singleValueExtendedProperties($filter=id eq '${PROPERTY}')`)
      .select(['id', 'start', 'end'])
      .get();
    expect(found.value).toEqual([
      expect.objectContaining({
        id: created.id,
        singleValueExtendedProperties: [{ id: PROPERTY, value: 'booking-1' }],
      }),
    ]);

    fake.ownerUpdate(calendarId, created.id, { subject: 'touched' });
    await expect(
      api
        .api(`/me/events/${created.id}`)
        .header('If-Match', created['@odata.etag'])
        .patch({ start: { dateTime: '2030-01-07T17:00:00', timeZone: 'UTC' } }),
    ).rejects.toMatchObject({ statusCode: 412 });
    await api.api(`/me/events/${created.id}`).delete();
    await expect(api.api(`/me/events/${created.id}`).get()).rejects.toMatchObject({
      statusCode: 404,
      code: 'ErrorItemNotFound',
    });
  });

  it('syncs with delta: pages, a deltaLink, removals, 410 when expired', async () => {
    const a = fake.ownerCreate(calendarId, {
      start: { dateTime: '2030-01-07T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2030-01-07T11:00:00', timeZone: 'UTC' },
    });
    fake.ownerCreate(calendarId, {
      start: { dateTime: '2030-01-07T12:00:00', timeZone: 'UTC' },
      end: { dateTime: '2030-01-07T13:00:00', timeZone: 'UTC' },
    });
    fake.ownerCreate(calendarId, {
      start: { dateTime: '2030-01-07T14:00:00', timeZone: 'UTC' },
      end: { dateTime: '2030-01-07T15:00:00', timeZone: 'UTC' },
    });
    const round = async (first: string) => {
      const items: Record<string, unknown>[] = [];
      let page = await api.api(first).header('Prefer', 'odata.maxpagesize=2').get();
      items.push(...page.value);
      while (page['@odata.nextLink']) {
        page = await api.api(relative(page['@odata.nextLink'])).header('Prefer', 'odata.maxpagesize=2').get();
        items.push(...page.value);
      }
      return { items, deltaLink: page['@odata.deltaLink'] as string };
    };
    const full = await round(
      `/me/calendars/${calendarId}/calendarView/delta?startDateTime=2030-01-07T00:00:00Z&endDateTime=2030-01-08T00:00:00Z`,
    );
    expect(full.items).toHaveLength(3);
    fake.ownerDelete(calendarId, a.id);
    const changes = await round(relative(full.deltaLink));
    expect(changes.items).toEqual([{ '@removed': { reason: 'deleted' }, id: a.id }]);
    fake.expireDeltaTokens(calendarId);
    await expect(api.api(relative(changes.deltaLink)).get()).rejects.toMatchObject({ statusCode: 410 });
  });

  it('subscribes after the validation handshake, notifies with clientState, renews, sends lifecycle notifications', async () => {
    const gateway = await receiver();
    const refusing = await receiver({ echo: false });
    try {
      const expirationDateTime = new Date(Date.now() + 3_600_000).toISOString();
      const request = {
        changeType: 'created,updated,deleted',
        resource: `me/calendars/${calendarId}/events`,
        expirationDateTime,
        clientState: 'our-secret',
      };
      await expect(api.api('/subscriptions').post({ ...request, notificationUrl: refusing.url })).rejects.toMatchObject(
        { statusCode: 400 },
      );
      await expect(
        api.api('/subscriptions').post({
          ...request,
          notificationUrl: gateway.url,
          expirationDateTime: new Date(Date.now() + 10 * 86_400_000).toISOString(),
        }),
      ).rejects.toMatchObject({ statusCode: 400 });

      const subscription = await api
        .api('/subscriptions')
        .post({ ...request, notificationUrl: gateway.url, lifecycleNotificationUrl: gateway.url });
      expect(gateway.posts.filter((p) => p.url.includes('validationToken'))).toHaveLength(2);
      const event = fake.ownerCreate(calendarId, {
        start: { dateTime: '2030-01-07T10:00:00', timeZone: 'UTC' },
        end: { dateTime: '2030-01-07T11:00:00', timeZone: 'UTC' },
      });
      await fake.settled();
      const note = JSON.parse(gateway.posts.at(-1)!.body).value[0];
      expect(note).toMatchObject({
        subscriptionId: subscription.id,
        clientState: 'our-secret',
        changeType: 'created',
        resourceData: { id: event.id },
      });

      const renewed = new Date(Date.now() + 7_200_000).toISOString();
      expect(
        (await api.api(`/subscriptions/${subscription.id}`).patch({ expirationDateTime: renewed })).expirationDateTime,
      ).toBe(renewed);
      await fake.sendLifecycle(subscription.id, 'subscriptionRemoved');
      expect(JSON.parse(gateway.posts.at(-1)!.body).value[0]).toMatchObject({
        lifecycleEvent: 'subscriptionRemoved',
        clientState: 'our-secret',
      });
      expect(fake.liveSubscriptions(calendarId)).toEqual([]);
    } finally {
      await gateway.close();
      await refusing.close();
    }
  });

  it('throttles with 429 and a fractional Retry-After; the client (no retry handler) sees it once', async () => {
    fake.inject({ status: 429, retryAfter: '1.5' });
    const error = await api
      .api('/me/calendars')
      .get()
      .catch((e) => e);
    expect(error).toMatchObject({ statusCode: 429, code: 'TooManyRequests' });
    expect(error.headers.get('retry-after')).toBe('1.5');
    expect(fake.requestsTo('GET', /\/me\/calendars$/)).toHaveLength(1);
  });
});
