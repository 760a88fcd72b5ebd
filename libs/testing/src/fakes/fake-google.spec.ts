import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calendar, type calendar_v3 } from '@googleapis/calendar';
import { CodeChallengeMethod, OAuth2Client } from 'google-auth-library';
import { FakeGoogle, GOOGLE_SCOPES } from './fake-google';

const SCOPES = [GOOGLE_SCOPES.calendarListReadonly, GOOGLE_SCOPES.eventsFreebusy, GOOGLE_SCOPES.eventsOwned];
const REDIRECT = 'http://127.0.0.1:1/v1/oauth/google/callback';

/**
 * As the connector builds it: native fetch (gaxios would import node-fetch), and no retries of
 * its own (google-auth-library turns them on for token calls).
 */
function oauthClient(fake: FakeGoogle): OAuth2Client {
  const client = new OAuth2Client({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    redirectUri: REDIRECT,
    endpoints: fake.oauthEndpoints,
    transporterOptions: { fetchImplementation: fetch },
  });
  client.transporter.interceptors.request.add({
    resolved: async (config) => ({ ...config, retry: false, retryConfig: undefined }),
  });
  return client;
}

/** A webhook receiver standing in for the gateway. */
async function receiver(status = 200) {
  const received: IncomingHttpHeaders[] = [];
  const server: Server = createServer((request, response) => {
    received.push(request.headers);
    response.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/webhooks/google`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('FakeGoogle through @googleapis/calendar and google-auth-library', () => {
  let fake: FakeGoogle;
  let oauth: OAuth2Client;
  let api: calendar_v3.Calendar;
  const primary = 'owner@example.com';

  /** Consents through the authorization URL and exchanges the code, as the connector does. */
  async function connect(scopes = SCOPES) {
    const client = oauthClient(fake);
    const url = client.generateAuthUrl({
      access_type: 'offline',
      prompt: 'consent',
      scope: scopes,
      state: 'signed-state',
    });
    const redirect = await fetch(url, { redirect: 'manual' });
    const location = new URL(redirect.headers.get('location')!);
    expect(location.searchParams.get('state')).toBe('signed-state');
    const { tokens } = await client.getToken(location.searchParams.get('code')!);
    client.setCredentials(tokens);
    return { client, tokens };
  }

  beforeEach(async () => {
    fake = await FakeGoogle.start({ allowInsecureWebhooks: true });
    fake.addAccount(primary, 'America/New_York');
    ({ client: oauth } = await connect());
    api = calendar({ version: 'v3', auth: oauth, rootUrl: `${fake.url}/`, retry: false });
  });

  afterEach(() => fake.close());

  it('authorizes with offline access: a refresh token, the scopes asked for, a refresh that works', async () => {
    const grant = fake.grants.at(-1)!;
    expect(grant.scopes).toEqual(SCOPES);
    expect(oauth.credentials.refresh_token).toMatch(/^1\/\//);
    const authorize = fake.requestsTo('GET', /^\/o\/oauth2\/v2\/auth$/)[0];
    expect(authorize.query).toMatchObject({ access_type: 'offline', prompt: 'consent', response_type: 'code' });
    const refreshed = oauthClient(fake);
    refreshed.setCredentials({ refresh_token: oauth.credentials.refresh_token });
    const { token } = await refreshed.getAccessToken();
    expect(token).toMatch(/^ya29\./);
  });

  it('answers 401 for an expired access token and invalid_grant for a revoked grant', async () => {
    fake.expireAccessTokens();
    const plain = new OAuth2Client({ transporterOptions: { fetchImplementation: fetch } });
    plain.setCredentials({ access_token: oauth.credentials.access_token });
    const expired = calendar({ version: 'v3', auth: plain, rootUrl: `${fake.url}/`, retry: false });
    await expect(expired.calendarList.list()).rejects.toMatchObject({ status: 401 });
    fake.revokeGrants();
    const refresher = oauthClient(fake);
    refresher.setCredentials({ refresh_token: oauth.credentials.refresh_token });
    await expect(refresher.getAccessToken()).rejects.toMatchObject({
      response: { status: 400, data: { error: 'invalid_grant' } },
    });
  });

  it('enforces PKCE as Google does: a code asked with a challenge needs its verifier, and a verifier needs a challenge', async () => {
    const client = oauthClient(fake);
    const consent = async (pkce: { code_challenge?: string; code_challenge_method?: CodeChallengeMethod }) => {
      const redirect = await fetch(client.generateAuthUrl({ access_type: 'offline', scope: SCOPES, ...pkce }), {
        redirect: 'manual',
      });
      return new URL(redirect.headers.get('location')!).searchParams.get('code')!;
    };
    const exchange = (code: string, codeVerifier?: string) =>
      client.getToken({ code, codeVerifier }).then(
        () => 'granted',
        (error) => ({ status: error.response.status, ...error.response.data }),
      );
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    const code = await consent({ code_challenge: codeChallenge, code_challenge_method: CodeChallengeMethod.S256 });
    expect(fake.requestsTo('GET', /^\/o\/oauth2\/v2\/auth$/).at(-1)!.query).toMatchObject({
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
    });
    expect(await exchange(code)).toEqual({
      status: 400,
      error: 'invalid_grant',
      error_description: 'Missing code verifier.',
    });
    const other = (await client.generateCodeVerifierAsync()).codeVerifier;
    expect(await exchange(code, other)).toEqual({
      status: 400,
      error: 'invalid_grant',
      error_description: 'Invalid code verifier.',
    });
    expect(await exchange(code, codeVerifier)).toBe('granted');

    // plain (the default method) compares the verifier itself; a code asked without a challenge takes no verifier.
    expect(await exchange(await consent({ code_challenge: other }), other)).toBe('granted');
    expect(await exchange(await consent({}), codeVerifier)).toEqual({
      status: 400,
      error: 'invalid_grant',
      error_description: 'code_verifier or verifier is not needed.',
    });
    const unknownMethod = client.generateAuthUrl({
      scope: SCOPES,
      code_challenge: codeChallenge,
      code_challenge_method: 'S512' as CodeChallengeMethod,
    });
    expect((await fetch(unknownMethod, { redirect: 'manual' })).status).toBe(400);
  });

  it('lists calendars with their zone and access role', async () => {
    fake.addCalendar(primary, { summary: 'Holidays', timeZone: 'Europe/Paris', accessRole: 'reader' });
    const { data } = await api.calendarList.list({
      fields: 'items(id,summary,timeZone,accessRole,primary),nextPageToken',
    });
    expect(data.items).toEqual([
      { id: primary, summary: primary, timeZone: 'America/New_York', accessRole: 'owner', primary: true },
      expect.objectContaining({ summary: 'Holidays', timeZone: 'Europe/Paris', accessRole: 'reader' }),
    ]);
  });

  it('computes free/busy from events: opaque, not cancelled, all-day in the calendar zone, declined left out', async () => {
    const dt = (iso: string) => ({ dateTime: iso });
    fake.ownerInsert(primary, { start: dt('2030-01-07T10:00:00-05:00'), end: dt('2030-01-07T11:00:00-05:00') });
    fake.ownerInsert(primary, { start: dt('2030-01-07T10:30:00-05:00'), end: dt('2030-01-07T11:30:00-05:00') });
    fake.ownerInsert(primary, {
      start: dt('2030-01-07T12:00:00-05:00'),
      end: dt('2030-01-07T13:00:00-05:00'),
      transparency: 'transparent',
    });
    fake.ownerInsert(primary, {
      start: dt('2030-01-07T14:00:00-05:00'),
      end: dt('2030-01-07T15:00:00-05:00'),
      status: 'cancelled',
    });
    fake.ownerInsert(primary, {
      start: dt('2030-01-07T16:00:00-05:00'),
      end: dt('2030-01-07T17:00:00-05:00'),
      attendees: [{ email: primary, self: true, responseStatus: 'declined' }],
    });
    fake.ownerInsert(primary, { start: { date: '2030-01-08' }, end: { date: '2030-01-09' } });
    const { data } = await api.freebusy.query({
      requestBody: {
        timeMin: '2030-01-07T00:00:00Z',
        timeMax: '2030-01-10T00:00:00Z',
        items: [{ id: primary }, { id: 'nobody@example.com' }],
      },
    });
    expect(data.calendars![primary].busy).toEqual([
      { start: '2030-01-07T15:00:00Z', end: '2030-01-07T16:30:00Z' },
      { start: '2030-01-08T05:00:00Z', end: '2030-01-09T05:00:00Z' },
    ]);
    expect(data.calendars!['nobody@example.com'].errors).toEqual([{ domain: 'global', reason: 'notFound' }]);
    await expect(
      api.freebusy.query({
        requestBody: { timeMin: '2030-01-01T00:00:00Z', timeMax: '2030-06-01T00:00:00Z', items: [{ id: primary }] },
      }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('inserts with a client-chosen id once (409 duplicate after), checks etags (412) and answers 410 for a deleted event', async () => {
    const requestBody = {
      id: 'a0b1c2d3e4f5g6h7i8j9k0l1m2',
      start: { dateTime: '2030-01-07T10:00:00Z' },
      end: { dateTime: '2030-01-07T11:00:00Z' },
      extendedProperties: { private: { calldeskBookingId: 'b-1' } },
    };
    const { data: created } = await api.events.insert({ calendarId: primary, sendUpdates: 'none', requestBody });
    expect(fake.requestsTo('POST', /\/events$/)[0].query.sendUpdates).toBe('none');
    const duplicate = await api.events.insert({ calendarId: primary, requestBody }).catch((e) => e);
    expect(duplicate).toMatchObject({ status: 409 });
    expect(duplicate.response.data.error.errors[0].reason).toBe('duplicate');
    await expect(
      api.events.insert({ calendarId: primary, requestBody: { ...requestBody, id: 'WXYZ-not-base32hex' } }),
    ).rejects.toMatchObject({ status: 400 });

    fake.ownerPatch(primary, created.id!, { summary: 'moved by owner' });
    const stale = await api.events
      .patch(
        { calendarId: primary, eventId: created.id!, requestBody: { start: { dateTime: '2030-01-07T12:00:00Z' } } },
        { headers: { 'If-Match': created.etag! } },
      )
      .catch((e) => e);
    expect(stale).toMatchObject({ status: 412 });
    await api.events.delete({ calendarId: primary, eventId: created.id!, sendUpdates: 'none' });
    await expect(api.events.delete({ calendarId: primary, eventId: created.id! })).rejects.toMatchObject({
      status: 410,
    });
    const { data: deleted } = await api.events.get({ calendarId: primary, eventId: created.id! });
    expect(deleted.status).toBe('cancelled');
  });

  it('syncs incrementally with a fields selector: pages, a sync token on the last page, deletions, 410 when expired', async () => {
    const dt = (h: number) => ({ dateTime: `2030-01-07T${String(h).padStart(2, '0')}:00:00Z` });
    const events = [1, 2, 3].map((h) => fake.ownerInsert(primary, { start: dt(h), end: dt(h + 1), summary: 'secret' }));
    const fields = 'items(id,start,end,status,transparency,extendedProperties),nextPageToken,nextSyncToken';
    const first = await api.events.list({ calendarId: primary, singleEvents: true, maxResults: 2, fields });
    expect(first.data.items).toHaveLength(2);
    expect(first.data.nextSyncToken).toBeUndefined();
    expect(first.data.items![0]).not.toHaveProperty('summary');
    const second = await api.events.list({
      calendarId: primary,
      singleEvents: true,
      maxResults: 2,
      fields,
      pageToken: first.data.nextPageToken!,
    });
    expect(second.data.items).toHaveLength(1);
    const syncToken = second.data.nextSyncToken!;
    expect(syncToken).toBeTruthy();

    fake.ownerDelete(primary, events[0].id);
    const changes = await api.events.list({ calendarId: primary, singleEvents: true, fields, syncToken });
    expect(changes.data.items).toEqual([expect.objectContaining({ id: events[0].id, status: 'cancelled' })]);
    await expect(
      api.events.list({ calendarId: primary, syncToken, timeMin: '2030-01-01T00:00:00Z' }),
    ).rejects.toMatchObject({ status: 400 });
    fake.expireSyncTokens(primary);
    const expired = await api.events
      .list({ calendarId: primary, syncToken: changes.data.nextSyncToken! })
      .catch((e) => e);
    expect(expired).toMatchObject({ status: 410 });
    expect(expired.response.data.error.errors[0].reason).toBe('fullSyncRequired');
  });

  it('watches: refuses http unless allowed, sends sync before answering, then exists with the token, and stops', async () => {
    const strict = await FakeGoogle.start();
    strict.addAccount('strict@example.com');
    const strictClient = oauthClient(strict);
    const location = new URL(
      (await fetch(strictClient.generateAuthUrl({ scope: SCOPES }), { redirect: 'manual' })).headers.get('location')!,
    );
    strictClient.setCredentials((await strictClient.getToken(location.searchParams.get('code')!)).tokens);
    const strictApi = calendar({ version: 'v3', auth: strictClient, rootUrl: `${strict.url}/`, retry: false });
    await expect(
      strictApi.events.watch({
        calendarId: 'strict@example.com',
        requestBody: { id: 'c1', type: 'web_hook', address: 'http://127.0.0.1:1/x' },
      }),
    ).rejects.toMatchObject({ status: 400 });
    await strict.close();

    const gateway = await receiver();
    try {
      const { data: channel } = await api.events.watch({
        calendarId: primary,
        requestBody: {
          id: 'channel-1',
          type: 'web_hook',
          address: gateway.url,
          token: 'secret-token',
          params: { ttl: '3600' },
        },
      });
      expect(gateway.received).toHaveLength(1); // before the watch call returned
      expect(gateway.received[0]).toMatchObject({
        'x-goog-channel-id': 'channel-1',
        'x-goog-resource-state': 'sync',
        'x-goog-channel-token': 'secret-token',
      });
      fake.ownerInsert(primary, {
        start: { dateTime: '2030-01-07T10:00:00Z' },
        end: { dateTime: '2030-01-07T11:00:00Z' },
      });
      await fake.settled();
      expect(gateway.received[1]).toMatchObject({
        'x-goog-resource-state': 'exists',
        'x-goog-resource-id': channel.resourceId,
        'x-goog-message-number': '2',
      });
      await api.channels.stop({ requestBody: { id: channel.id, resourceId: channel.resourceId } });
      fake.ownerInsert(primary, {
        start: { dateTime: '2030-01-07T12:00:00Z' },
        end: { dateTime: '2030-01-07T13:00:00Z' },
      });
      await fake.settled();
      expect(gateway.received).toHaveLength(2);
    } finally {
      await gateway.close();
    }
  });

  it('keeps details from a token that may read only free/busy', async () => {
    fake.ownerInsert(primary, {
      start: { dateTime: '2030-01-07T10:00:00Z' },
      end: { dateTime: '2030-01-07T11:00:00Z' },
      summary: 'secret',
    });
    const { client } = await connect([GOOGLE_SCOPES.eventsFreebusy]);
    const narrow = calendar({ version: 'v3', auth: client, rootUrl: `${fake.url}/`, retry: false });
    const { data } = await narrow.events.list({ calendarId: primary });
    expect(data.items![0]).not.toHaveProperty('summary');
    await expect(narrow.calendarList.list()).rejects.toMatchObject({ status: 403 });
  });

  it('injects 429 with Retry-After, 500 and slowness; the client makes no hidden retries', async () => {
    fake.inject({ status: 429, retryAfter: '2', times: 1 });
    const throttled = await api.calendarList.list().catch((e) => e);
    expect(throttled).toMatchObject({ status: 429 });
    expect(throttled.response.headers.get('retry-after')).toBe('2');
    fake.inject({ status: 500, times: 1 });
    await expect(api.calendarList.list()).rejects.toMatchObject({ status: 500 });
    expect(fake.requestsTo('GET', /calendarList/)).toHaveLength(2);
    fake.delayMs = 100;
    const started = Date.now();
    await api.calendarList.list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });
});
