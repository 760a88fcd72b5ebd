import { randomBytes, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { deliver, selectFields, type Delivery, type FakeResponse, type RecordedRequest } from './fake-http';
import { FakeProvider, type FakeAccessToken, type FakeGrant } from './fake-provider';
import { readCodeChallenge, verifierMatches, type CodeChallenge } from './pkce';

/**
 * A fake Google Calendar API v3 with Google OAuth 2.0, as a real HTTP server with in-memory
 * calendars, built from Google's documented wire formats (and /work/shared/PROVIDERS.md). Point
 * `@googleapis/calendar` at it with `rootUrl: fake.url + '/'` and `google-auth-library`'s
 * OAuth2Client with `endpoints: fake.oauthEndpoints`.
 *
 * Differences from Google, on purpose: one server answers both the OAuth and the API hosts;
 * consent is given by the test (`consent`), not a person; watch addresses may be http when
 * `allowInsecureWebhooks` is set (tests serve the gateway over http; Google demands https);
 * recurring events are not expanded.
 */
export interface FakeGoogleOptions {
  clientId?: string;
  clientSecret?: string;
  accessTokenTtlSeconds?: number;
  /** Google refuses http watch addresses; tests serve the gateway over http. */
  allowInsecureWebhooks?: boolean;
  /** Default 7 days, as Google's. */
  defaultChannelTtlMs?: number;
  /** The longest freeBusy window accepted (Google: about 90 days). */
  freeBusyMaxDays?: number;
  /** events.list page size when maxResults is absent (Google: 250). */
  pageSize?: number;
}

export const GOOGLE_SCOPES = {
  calendar: 'https://www.googleapis.com/auth/calendar',
  readonly: 'https://www.googleapis.com/auth/calendar.readonly',
  events: 'https://www.googleapis.com/auth/calendar.events',
  eventsReadonly: 'https://www.googleapis.com/auth/calendar.events.readonly',
  eventsOwned: 'https://www.googleapis.com/auth/calendar.events.owned',
  eventsFreebusy: 'https://www.googleapis.com/auth/calendar.events.freebusy',
  freebusy: 'https://www.googleapis.com/auth/calendar.freebusy',
  calendarListReadonly: 'https://www.googleapis.com/auth/calendar.calendarlist.readonly',
  calendarList: 'https://www.googleapis.com/auth/calendar.calendarlist',
} as const;

const S = GOOGLE_SCOPES;
const CAN_LIST_CALENDARS = [S.calendar, S.readonly, S.calendarList, S.calendarListReadonly];
const CAN_READ_FREEBUSY = [S.calendar, S.readonly, S.freebusy, S.eventsFreebusy, S.events, S.eventsReadonly];
const CAN_READ_EVENTS_WITH_DETAILS = [S.calendar, S.readonly, S.events, S.eventsReadonly];
const CAN_WRITE_EVENTS = [S.calendar, S.events];

export interface GoogleEventTime {
  dateTime?: string;
  date?: string;
  timeZone?: string;
}

/** An event in Google's wire shape (the fields the fake knows). */
export interface GoogleEvent {
  kind: 'calendar#event';
  id: string;
  etag: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  summary?: string;
  description?: string;
  location?: string;
  attendees?: { email: string; displayName?: string; self?: boolean; responseStatus?: string }[];
  start: GoogleEventTime;
  end: GoogleEventTime;
  transparency?: 'opaque' | 'transparent';
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  created: string;
  updated: string;
  iCalUID: string;
  sequence: number;
  htmlLink: string;
  creator: { email: string };
  organizer: { email: string; self?: boolean };
  eventType?: string;
  reminders?: { useDefault: boolean };
}

export type EventInput = Partial<
  Omit<
    GoogleEvent,
    'kind' | 'etag' | 'created' | 'updated' | 'iCalUID' | 'htmlLink' | 'creator' | 'organizer' | 'sequence'
  >
> &
  Pick<GoogleEvent, 'start' | 'end'>;

export interface FakeGoogleCalendar {
  id: string;
  summary: string;
  timeZone: string;
  accessRole: 'owner' | 'writer' | 'reader' | 'freeBusyReader';
  primary: boolean;
  owner: string;
  /** By event id; deleted events stay, with status cancelled. */
  events: Map<string, { event: GoogleEvent; seq: number }>;
  seq: number;
  /** Bumped to expire every sync token of the calendar. */
  epoch: number;
  resourceId: string;
  /** A freeBusy error reason to answer for this calendar, e.g. internalError. */
  freeBusyError?: string;
}

export interface FakeGoogleChannel {
  id: string;
  resourceId: string;
  calendarId: string;
  address: string;
  token?: string;
  expiration: number;
  stopped: boolean;
  messageNumber: number;
  account: string;
}

interface AccessToken extends FakeAccessToken {
  scopes: string[];
}

interface PendingCode {
  account: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  offline: boolean;
  forceConsent: boolean;
  /** PKCE: what the authorization request committed to; the exchange must prove it. */
  challenge?: CodeChallenge;
  used: boolean;
}

/** What the test's pretend user does on the consent screen. */
export interface Consent {
  account?: string;
  deny?: boolean;
  /** FakeGrant fewer scopes than asked (Google lets users untick some). */
  grantScopes?: string[];
}

export class FakeGoogle extends FakeProvider<AccessToken> {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly calendars = new Map<string, FakeGoogleCalendar>();
  readonly channels = new Map<string, FakeGoogleChannel>();
  readonly deliveries: Delivery[] = [];
  consent: Consent = {};
  accessTokenTtlSeconds: number;
  private readonly accounts = new Map<string, { email: string; timeZone: string }>();
  private readonly codes = new Map<string, PendingCode>();
  private readonly pages = new Map<string, { items: GoogleEvent[]; nextSyncToken?: string; calendarId: string }>();

  private constructor(private readonly options: FakeGoogleOptions) {
    super(
      (status) => googleFaultBody(status),
      (request) => request.path.startsWith('/calendar/'),
    );
    this.clientId = options.clientId ?? 'fake-google-client-id';
    this.clientSecret = options.clientSecret ?? 'fake-google-client-secret';
    this.accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 3_600;
  }

  static async start(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
    const fake = new FakeGoogle(options);
    await fake.http.listen();
    return fake;
  }

  /** For `new OAuth2Client({endpoints})`. */
  get oauthEndpoints() {
    return {
      oauth2AuthBaseUrl: `${this.url}/o/oauth2/v2/auth`,
      oauth2TokenUrl: `${this.url}/token`,
      oauth2RevokeUrl: `${this.url}/revoke`,
    };
  }

  // --- the test's side: accounts, calendars and what their owners do ---

  /** An account with its primary calendar (id = email). */
  addAccount(email: string, timeZone = 'UTC'): FakeGoogleCalendar {
    this.accounts.set(email, { email, timeZone });
    this.consent = { account: email };
    return this.addCalendar(email, { id: email, summary: email, timeZone, primary: true });
  }

  addCalendar(
    account: string,
    calendar: {
      id?: string;
      summary: string;
      timeZone?: string;
      accessRole?: FakeGoogleCalendar['accessRole'];
      primary?: boolean;
    },
  ): FakeGoogleCalendar {
    const created: FakeGoogleCalendar = {
      id: calendar.id ?? `${randomBytes(8).toString('hex')}@group.calendar.google.com`,
      summary: calendar.summary,
      timeZone: calendar.timeZone ?? this.accounts.get(account)?.timeZone ?? 'UTC',
      accessRole: calendar.accessRole ?? 'owner',
      primary: calendar.primary ?? false,
      owner: account,
      events: new Map(),
      seq: 1,
      epoch: 1,
      resourceId: randomBytes(12).toString('base64url'),
    };
    this.calendars.set(created.id, created);
    return created;
  }

  /** The owner deletes a (secondary) calendar: it leaves the calendar list, its events with it. */
  ownerDeleteCalendar(calendarId: string): void {
    this.calendar(calendarId);
    this.calendars.delete(calendarId);
  }

  /** The owner adds an event in Google Calendar. */
  ownerInsert(calendarId: string, input: EventInput): GoogleEvent {
    return this.store(this.calendar(calendarId), { ...input, id: input.id ?? newEventId() });
  }

  ownerPatch(calendarId: string, eventId: string, patch: Partial<EventInput>): GoogleEvent {
    const calendar = this.calendar(calendarId);
    const existing = calendar.events.get(eventId);
    if (!existing) throw new Error(`no event ${eventId}`);
    return this.store(calendar, { ...existing.event, ...patch }, existing.event);
  }

  ownerDelete(calendarId: string, eventId: string): void {
    const calendar = this.calendar(calendarId);
    const existing = calendar.events.get(eventId);
    if (!existing) throw new Error(`no event ${eventId}`);
    this.store(calendar, { ...existing.event, status: 'cancelled' }, existing.event);
  }

  /** Live (not cancelled) events of a calendar. */
  liveEvents(calendarId: string): GoogleEvent[] {
    return [...this.calendar(calendarId).events.values()].map((e) => e.event).filter((e) => e.status !== 'cancelled');
  }

  event(calendarId: string, eventId: string): GoogleEvent | undefined {
    return this.calendar(calendarId).events.get(eventId)?.event;
  }

  /** Every sync token of the calendar answers 410 from now on. */
  expireSyncTokens(calendarId: string): void {
    this.calendar(calendarId).epoch += 1;
  }

  liveChannels(calendarId?: string): FakeGoogleChannel[] {
    return [...this.channels.values()].filter(
      (c) => !c.stopped && c.expiration > Date.now() && (!calendarId || c.calendarId === calendarId),
    );
  }

  calendar(calendarId: string): FakeGoogleCalendar {
    const calendar = this.calendars.get(calendarId);
    if (!calendar) throw new Error(`no calendar ${calendarId}`);
    return calendar;
  }

  // --- HTTP ---

  protected async route(request: RecordedRequest, response: FakeResponse): Promise<void> {
    const { method, path } = request;
    if (method === 'GET' && path === '/o/oauth2/v2/auth') return this.authorize(request, response);
    if (method === 'POST' && path === '/token') return this.token(request, response);
    if (method === 'POST' && path === '/revoke') return this.revoke(request, response);
    if (!path.startsWith('/calendar/v3/')) return;

    const auth = this.authenticate(request);
    if (!auth) {
      response.json(401, gError(401, 'authError', 'Invalid Credentials', 'global'), {
        'www-authenticate': 'Bearer realm="https://accounts.google.com/"',
      });
      return;
    }
    const send = (status: number, body: unknown) => response.json(status, selectFields(body, request.query.fields));
    const parts = path.slice('/calendar/v3/'.length).split('/');

    if (method === 'GET' && path === '/calendar/v3/users/me/calendarList') {
      if (!hasAny(auth.scopes, CAN_LIST_CALENDARS)) return insufficient(response);
      return send(200, this.calendarList(auth.grant.account, request));
    }
    if (method === 'POST' && path === '/calendar/v3/freeBusy') {
      if (!hasAny(auth.scopes, CAN_READ_FREEBUSY)) return insufficient(response);
      return this.freeBusy(auth.grant.account, request, response, send);
    }
    if (method === 'POST' && path === '/calendar/v3/channels/stop') {
      const { id, resourceId } = (request.body ?? {}) as { id?: string; resourceId?: string };
      const channel = id ? this.channels.get(id) : undefined;
      if (!channel || channel.resourceId !== resourceId || channel.account !== auth.grant.account) {
        return response.json(404, gError(404, 'notFound', `Channel '${id}' not found for project '1'`));
      }
      channel.stopped = true;
      return response.send(204);
    }
    if (parts[0] === 'calendars' && parts[2] === 'events') {
      const calendar = this.calendars.get(parts[1]);
      if (!calendar || calendar.owner !== auth.grant.account)
        return response.json(404, gError(404, 'notFound', 'Not Found'));
      const eventId = parts[3];
      if (eventId === 'watch' && method === 'POST') return this.watch(calendar, auth, request, response);
      if (!eventId) {
        if (method === 'GET') return this.list(calendar, auth.scopes, request, response, send);
        if (method === 'POST') return this.insert(calendar, auth.scopes, request, response, send);
      } else {
        if (method === 'GET') return this.get(calendar, auth.scopes, eventId, response, send);
        if (method === 'PATCH' || method === 'PUT')
          return this.modify(calendar, auth.scopes, eventId, request, response, send);
        if (method === 'DELETE') return this.remove(calendar, auth.scopes, eventId, request, response);
      }
    }
  }

  private authorize(request: RecordedRequest, response: FakeResponse): void {
    const q = request.query;
    if (q.client_id !== this.clientId)
      return response.json(401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
    if (q.response_type !== 'code' || !q.redirect_uri) {
      return response.json(400, {
        error: 'invalid_request',
        error_description: 'Required parameter is missing: response_type or redirect_uri',
      });
    }
    const challenge = readCodeChallenge(q);
    if (challenge === 'invalid')
      return response.json(400, { error: 'invalid_request', error_description: 'Invalid code_challenge_method' });
    const redirect = new URL(q.redirect_uri);
    if (q.state !== undefined) redirect.searchParams.set('state', q.state);
    const account = this.consent.account ?? [...this.accounts.keys()].at(-1);
    if (this.consent.deny || !account) {
      redirect.searchParams.set('error', 'access_denied');
      return response.redirect(redirect.toString());
    }
    const asked = (q.scope ?? '').split(' ').filter(Boolean);
    const scopes = this.consent.grantScopes ?? asked;
    const code = `4/${randomBytes(24).toString('base64url')}`;
    this.codes.set(code, {
      account,
      clientId: q.client_id,
      redirectUri: q.redirect_uri,
      scopes,
      offline: q.access_type === 'offline',
      forceConsent: (q.prompt ?? '').split(' ').includes('consent'),
      challenge,
      used: false,
    });
    redirect.searchParams.set('code', code);
    redirect.searchParams.set('scope', scopes.join(' '));
    response.redirect(redirect.toString());
  }

  private token(request: RecordedRequest, response: FakeResponse): void {
    const form = (request.body ?? {}) as Record<string, string>;
    const basic = request.headers.authorization?.startsWith('Basic ')
      ? Buffer.from(request.headers.authorization.slice(6), 'base64').toString().split(':')
      : [];
    const clientId = form.client_id ?? basic[0];
    const clientSecret = form.client_secret ?? basic[1];
    if (clientId !== this.clientId || clientSecret !== this.clientSecret) {
      return response.json(401, { error: 'invalid_client', error_description: 'Unauthorized' });
    }
    if (form.grant_type === 'authorization_code') {
      const pending = this.codes.get(form.code ?? '');
      if (!pending || pending.used || pending.redirectUri !== form.redirect_uri) {
        return response.json(400, { error: 'invalid_grant', error_description: 'Bad Request' });
      }
      const pkce = pkceRefusal(pending.challenge, form.code_verifier);
      if (pkce) return response.json(400, { error: 'invalid_grant', error_description: pkce });
      pending.used = true;
      const earlier = this.grants.some((g) => g.account === pending.account && g.clientId === clientId && !g.revoked);
      const grant: FakeGrant = { account: pending.account, clientId, scopes: pending.scopes, revoked: false };
      // Google gives a refresh token for offline access on first consent, or when consent is forced.
      if (pending.offline && (!earlier || pending.forceConsent))
        grant.refreshToken = `1//${randomBytes(32).toString('base64url')}`;
      this.grants.push(grant);
      return response.json(200, {
        ...this.issueAccessToken(grant),
        ...(grant.refreshToken ? { refresh_token: grant.refreshToken } : {}),
      });
    }
    if (form.grant_type === 'refresh_token') {
      const grant = this.grants.find((g) => g.refreshToken && g.refreshToken === form.refresh_token);
      if (!grant || grant.revoked)
        return response.json(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      return response.json(200, this.issueAccessToken(grant));
    }
    response.json(400, {
      error: 'unsupported_grant_type',
      error_description: `Invalid grant_type: ${form.grant_type}`,
    });
  }

  private revoke(request: RecordedRequest, response: FakeResponse): void {
    const token = request.query.token ?? (request.body as Record<string, string> | undefined)?.token;
    const grant =
      this.grants.find((g) => g.refreshToken === token) ?? (token ? this.accessTokens.get(token)?.grant : undefined);
    if (!grant) return response.json(400, { error: 'invalid_token', error_description: 'Token expired or revoked' });
    grant.revoked = true;
    response.json(200, {});
  }

  private issueAccessToken(grant: FakeGrant) {
    const accessToken = `ya29.${randomBytes(32).toString('base64url')}`;
    this.accessTokens.set(accessToken, {
      grant,
      expiresAt: Date.now() + this.accessTokenTtlSeconds * 1_000,
      scopes: grant.scopes,
    });
    return {
      access_token: accessToken,
      expires_in: this.accessTokenTtlSeconds,
      scope: grant.scopes.join(' '),
      token_type: 'Bearer',
    };
  }

  private authenticate(request: RecordedRequest): AccessToken | undefined {
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) return undefined;
    const token = this.accessTokens.get(header.slice(7));
    if (!token || token.grant.revoked || token.expiresAt <= Date.now()) return undefined;
    return token;
  }

  private calendarList(account: string, request: RecordedRequest) {
    const all = [...this.calendars.values()].filter((c) => c.owner === account);
    const offset = Number(request.query.pageToken ?? 0);
    const size = Math.min(Number(request.query.maxResults ?? 100), 250);
    const page = all.slice(offset, offset + size);
    const next = offset + size < all.length ? String(offset + size) : undefined;
    return {
      kind: 'calendar#calendarList',
      etag: `"${Date.now()}"`,
      ...(next ? { nextPageToken: next } : { nextSyncToken: randomBytes(8).toString('base64url') }),
      items: page.map((c) => ({
        kind: 'calendar#calendarListEntry',
        etag: `"${c.seq}"`,
        id: c.id,
        summary: c.summary,
        timeZone: c.timeZone,
        accessRole: c.accessRole,
        colorId: '1',
        backgroundColor: '#9fc6e7',
        selected: true,
        ...(c.primary ? { primary: true } : {}),
        defaultReminders: [],
      })),
    };
  }

  private freeBusy(
    account: string,
    request: RecordedRequest,
    response: FakeResponse,
    send: (status: number, body: unknown) => void,
  ): void {
    const body = (request.body ?? {}) as { timeMin?: string; timeMax?: string; items?: { id: string }[] };
    if (!body.timeMin || !body.timeMax)
      return response.json(400, gError(400, 'required', 'Missing timeMin or timeMax.'));
    const from = Date.parse(body.timeMin);
    const to = Date.parse(body.timeMax);
    if (Number.isNaN(from) || Number.isNaN(to)) return response.json(400, gError(400, 'invalid', 'Bad Request'));
    if (to <= from)
      return response.json(400, gError(400, 'timeRangeEmpty', 'The specified time range is empty.', 'calendar'));
    if (to - from > (this.options.freeBusyMaxDays ?? 90) * 86_400_000) {
      return response.json(400, gError(400, 'timeRangeTooLong', 'The requested time range is too long.', 'calendar'));
    }
    const calendars: Record<string, unknown> = {};
    (body.items ?? []).forEach(({ id }, index) => {
      const calendar = this.calendars.get(id);
      if (index >= 50)
        calendars[id] = { busy: [], errors: [{ domain: 'usageLimits', reason: 'tooManyCalendarsRequested' }] };
      else if (!calendar || calendar.owner !== account)
        calendars[id] = { busy: [], errors: [{ domain: 'global', reason: 'notFound' }] };
      else if (calendar.freeBusyError)
        calendars[id] = { busy: [], errors: [{ domain: 'global', reason: calendar.freeBusyError }] };
      else calendars[id] = { busy: busyOf(calendar, from, to) };
    });
    send(200, {
      kind: 'calendar#freeBusy',
      timeMin: new Date(from).toISOString(),
      timeMax: new Date(to).toISOString(),
      calendars,
    });
  }

  private list(
    calendar: FakeGoogleCalendar,
    scopes: string[],
    request: RecordedRequest,
    response: FakeResponse,
    send: (status: number, body: unknown) => void,
  ): void {
    const q = request.query;
    const canList =
      hasAny(scopes, [...CAN_READ_EVENTS_WITH_DETAILS, S.eventsFreebusy]) ||
      (hasAny(scopes, [S.eventsOwned]) && calendar.accessRole === 'owner');
    if (!canList) return insufficient(response);
    const withDetails =
      hasAny(scopes, CAN_READ_EVENTS_WITH_DETAILS) ||
      (hasAny(scopes, [S.eventsOwned]) && calendar.accessRole === 'owner');
    let page: { items: GoogleEvent[]; nextSyncToken?: string; calendarId: string } | undefined;
    if (q.pageToken) {
      page = this.pages.get(q.pageToken);
      if (!page || page.calendarId !== calendar.id)
        return response.json(400, gError(400, 'invalid', 'Invalid page token value.'));
      this.pages.delete(q.pageToken);
    } else if (q.syncToken) {
      if (q.timeMin || q.timeMax || q.q || q.orderBy || q.updatedMin || q.iCalUID || q.privateExtendedProperty) {
        return response.json(400, gError(400, 'invalid', 'Sync token cannot be used with other request restrictions.'));
      }
      const since = parseSyncToken(q.syncToken);
      if (!since || since.calendarId !== calendar.id || since.epoch !== calendar.epoch) {
        return response.json(
          410,
          gError(410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.'),
        );
      }
      const items = [...calendar.events.values()]
        .filter((e) => e.seq > since.seq)
        .sort((a, b) => a.seq - b.seq)
        .map((e) => e.event);
      page = { items, nextSyncToken: syncToken(calendar), calendarId: calendar.id };
    } else {
      const from = q.timeMin ? Date.parse(q.timeMin) : -Infinity;
      const to = q.timeMax ? Date.parse(q.timeMax) : Infinity;
      const property = q.privateExtendedProperty?.split('=');
      const items = [...calendar.events.values()]
        .map((e) => e.event)
        .filter((e) => q.showDeleted === 'true' || e.status !== 'cancelled')
        .filter((e) => {
          const span = spanOf(e, calendar.timeZone);
          return span.start < to && span.end > from;
        })
        .filter((e) => !property || e.extendedProperties?.private?.[property[0]] === property.slice(1).join('='));
      page = { items, nextSyncToken: syncToken(calendar), calendarId: calendar.id };
    }
    const size = Math.min(Number(q.maxResults ?? this.options.pageSize ?? 250), 2_500);
    const items = page.items.slice(0, size);
    const rest = page.items.slice(size);
    let nextPageToken: string | undefined;
    if (rest.length) {
      nextPageToken = randomBytes(12).toString('base64url');
      this.pages.set(nextPageToken, { ...page, items: rest });
    }
    send(200, {
      kind: 'calendar#events',
      etag: `"${calendar.seq}"`,
      summary: calendar.summary,
      updated: new Date().toISOString(),
      timeZone: calendar.timeZone,
      accessRole: calendar.accessRole,
      defaultReminders: [],
      ...(nextPageToken ? { nextPageToken } : { nextSyncToken: page.nextSyncToken }),
      items: items.map((e) => (withDetails ? e : withoutDetails(e))),
    });
  }

  private insert(
    calendar: FakeGoogleCalendar,
    scopes: string[],
    request: RecordedRequest,
    response: FakeResponse,
    send: (status: number, body: unknown) => void,
  ): void {
    if (!canWrite(scopes, calendar)) return insufficient(response);
    const input = (request.body ?? {}) as EventInput;
    if (input.id !== undefined && !/^[a-v0-9]{5,1024}$/.test(input.id)) {
      return response.json(400, gError(400, 'invalid', 'Invalid resource id value.'));
    }
    const invalid = invalidTimes(input);
    if (invalid) return response.json(400, invalid);
    if (input.id && calendar.events.has(input.id)) {
      return response.json(409, gError(409, 'duplicate', 'The requested identifier already exists.'));
    }
    send(200, this.store(calendar, { ...input, id: input.id ?? newEventId() }));
  }

  private get(
    calendar: FakeGoogleCalendar,
    scopes: string[],
    eventId: string,
    response: FakeResponse,
    send: (status: number, body: unknown) => void,
  ): void {
    const ownedRead = hasAny(scopes, [S.eventsOwned]) && calendar.accessRole === 'owner';
    if (!hasAny(scopes, CAN_READ_EVENTS_WITH_DETAILS) && !ownedRead) return insufficient(response);
    const stored = calendar.events.get(eventId);
    if (!stored) return response.json(404, gError(404, 'notFound', 'Not Found'));
    send(200, stored.event);
  }

  private modify(
    calendar: FakeGoogleCalendar,
    scopes: string[],
    eventId: string,
    request: RecordedRequest,
    response: FakeResponse,
    send: (status: number, body: unknown) => void,
  ): void {
    if (!canWrite(scopes, calendar)) return insufficient(response);
    const stored = calendar.events.get(eventId);
    if (!stored) return response.json(404, gError(404, 'notFound', 'Not Found'));
    if (!etagMatches(request, stored.event)) return preconditionFailed(response);
    const input = (request.body ?? {}) as Partial<EventInput>;
    const next =
      request.method === 'PUT'
        ? ({ ...input, id: eventId } as EventInput)
        : ({
            ...stored.event,
            ...input,
            id: eventId,
            extendedProperties: mergeProperties(stored.event.extendedProperties, input.extendedProperties),
          } as EventInput);
    const invalid = invalidTimes(next);
    if (invalid) return response.json(400, invalid);
    send(200, this.store(calendar, { ...next, id: eventId }, stored.event));
  }

  private remove(
    calendar: FakeGoogleCalendar,
    scopes: string[],
    eventId: string,
    request: RecordedRequest,
    response: FakeResponse,
  ): void {
    if (!canWrite(scopes, calendar)) return insufficient(response);
    const stored = calendar.events.get(eventId);
    if (!stored) return response.json(404, gError(404, 'notFound', 'Not Found'));
    if (stored.event.status === 'cancelled')
      return response.json(410, gError(410, 'deleted', 'Resource has been deleted'));
    if (!etagMatches(request, stored.event)) return preconditionFailed(response);
    this.store(calendar, { ...stored.event, status: 'cancelled' }, stored.event);
    response.send(204);
  }

  private async watch(
    calendar: FakeGoogleCalendar,
    auth: AccessToken,
    request: RecordedRequest,
    response: FakeResponse,
  ): Promise<void> {
    const ownedRead = hasAny(auth.scopes, [S.eventsOwned]) && calendar.accessRole === 'owner';
    if (!hasAny(auth.scopes, [...CAN_READ_EVENTS_WITH_DETAILS, S.eventsFreebusy]) && !ownedRead)
      return insufficient(response);
    const body = (request.body ?? {}) as {
      id?: string;
      type?: string;
      address?: string;
      token?: string;
      expiration?: string | number;
      params?: { ttl?: string };
    };
    if (!body.id || body.id.length > 64 || !/^[A-Za-z0-9\-_+/=]+$/.test(body.id)) {
      return response.json(400, gError(400, 'invalid', 'Invalid channel id.'));
    }
    if (this.channels.has(body.id))
      return response.json(400, gError(400, 'channelIdNotUnique', `Channel id ${body.id} not unique`, 'push'));
    if (body.type !== 'web_hook' && body.type !== 'webhook')
      return response.json(400, gError(400, 'invalid', 'Invalid channel type.'));
    let address: URL;
    try {
      address = new URL(body.address ?? '');
    } catch {
      return response.json(400, gError(400, 'invalid', 'Invalid address.'));
    }
    if (address.protocol !== 'https:' && !(this.options.allowInsecureWebhooks && address.protocol === 'http:')) {
      return response.json(
        400,
        gError(400, 'push.webhookUrlNotHttps', `WebHook callback must be HTTPS: ${body.address}`, 'global'),
      );
    }
    if (body.token && body.token.length > 256)
      return response.json(400, gError(400, 'invalid', 'Channel token too long.'));
    const defaultTtl = this.options.defaultChannelTtlMs ?? 7 * 86_400_000;
    const ttl = body.params?.ttl ? Number(body.params.ttl) * 1_000 : defaultTtl;
    const requested = body.expiration !== undefined ? Number(body.expiration) : Date.now() + ttl;
    const channel: FakeGoogleChannel = {
      id: body.id,
      resourceId: calendar.resourceId,
      calendarId: calendar.id,
      address: address.toString(),
      token: body.token,
      expiration: Math.min(requested, Date.now() + Math.max(ttl, defaultTtl)),
      stopped: false,
      messageNumber: 0,
      account: auth.grant.account,
    };
    this.channels.set(channel.id, channel);
    // Google's first message ("sync") may arrive before the watch call returns.
    await this.notify(channel, 'sync');
    response.json(200, {
      kind: 'api#channel',
      id: channel.id,
      resourceId: channel.resourceId,
      resourceUri: resourceUri(calendar),
      ...(channel.token ? { token: channel.token } : {}),
      expiration: String(channel.expiration),
    });
  }

  /** Saves a new version of an event and tells every live channel of its calendar. */
  private store(calendar: FakeGoogleCalendar, input: EventInput & { id: string }, previous?: GoogleEvent): GoogleEvent {
    calendar.seq += 1;
    const now = new Date().toISOString();
    const owner = calendar.owner;
    const event: GoogleEvent = {
      kind: 'calendar#event',
      status: 'confirmed',
      ...input,
      id: input.id,
      etag: `"${Date.now()}${String(calendar.seq).padStart(6, '0')}"`,
      created: previous?.created ?? now,
      updated: now,
      iCalUID: previous?.iCalUID ?? `${input.id}@google.com`,
      sequence: previous ? previous.sequence + (timesChanged(previous, input) ? 1 : 0) : 0,
      htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${input.id} ${calendar.id}`).toString('base64url')}`,
      creator: previous?.creator ?? { email: owner },
      organizer: previous?.organizer ?? { email: calendar.id, self: true },
      reminders: input.reminders ?? { useDefault: true },
    };
    calendar.events.set(event.id, { event, seq: calendar.seq });
    for (const channel of this.liveChannels(calendar.id)) void this.track(this.notify(channel, 'exists'));
    return event;
  }

  private async notify(channel: FakeGoogleChannel, state: 'sync' | 'exists' | 'not_exists'): Promise<void> {
    const calendar = this.calendars.get(channel.calendarId)!;
    channel.messageNumber += 1;
    const headers: Record<string, string> = {
      'x-goog-channel-id': channel.id,
      'x-goog-resource-id': channel.resourceId,
      'x-goog-resource-uri': resourceUri(calendar),
      'x-goog-resource-state': state,
      'x-goog-message-number': String(channel.messageNumber),
      'x-goog-channel-expiration': new Date(channel.expiration).toUTCString(),
      'content-length': '0',
    };
    if (channel.token) headers['x-goog-channel-token'] = channel.token;
    await deliver(channel.address, { headers, body: '' }, this.deliveries);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
    return work;
  }
}

// --- helpers ---

function gError(code: number, reason: string, message: string, domain = 'global') {
  return { error: { code, message, errors: [{ domain, reason, message }] } };
}

function googleFaultBody(status: number) {
  if (status === 429) return gError(429, 'rateLimitExceeded', 'Rate Limit Exceeded', 'usageLimits');
  if (status === 403) return gError(403, 'userRateLimitExceeded', 'User Rate Limit Exceeded', 'usageLimits');
  if (status === 401) return gError(401, 'authError', 'Invalid Credentials');
  if (status >= 500) return gError(status, 'backendError', 'Backend Error');
  return gError(status, 'invalid', 'Bad Request');
}

/** Google's words when an exchange does not prove the code's PKCE challenge, or proves one never made. */
function pkceRefusal(challenge: CodeChallenge | undefined, verifier: string | undefined): string | undefined {
  if (!challenge) return verifier === undefined ? undefined : 'code_verifier or verifier is not needed.';
  if (verifier === undefined) return 'Missing code verifier.';
  return verifierMatches(challenge, verifier) ? undefined : 'Invalid code verifier.';
}

function insufficient(response: FakeResponse): void {
  response.json(403, gError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.'));
}

function preconditionFailed(response: FakeResponse): void {
  response.json(412, gError(412, 'conditionNotMet', 'Precondition Failed'));
}

function hasAny(scopes: string[], wanted: readonly string[]): boolean {
  return scopes.some((s) => wanted.includes(s));
}

function canWrite(scopes: string[], calendar: FakeGoogleCalendar): boolean {
  if (calendar.accessRole !== 'owner' && calendar.accessRole !== 'writer') return false;
  return hasAny(scopes, CAN_WRITE_EVENTS) || (hasAny(scopes, [S.eventsOwned]) && calendar.accessRole === 'owner');
}

function etagMatches(request: RecordedRequest, event: GoogleEvent): boolean {
  const expected = request.headers['if-match'];
  return expected === undefined || expected === '*' || expected === event.etag;
}

function invalidTimes(input: Partial<EventInput>) {
  if (!input.start || !input.end) return gError(400, 'required', 'Missing end time.');
  const start = input.start.dateTime ? Date.parse(input.start.dateTime) : Date.parse(input.start.date ?? '');
  const end = input.end.dateTime ? Date.parse(input.end.dateTime) : Date.parse(input.end.date ?? '');
  if (Number.isNaN(start) || Number.isNaN(end)) return gError(400, 'invalid', 'Invalid start or end time.');
  if (end <= start) return gError(400, 'timeRangeEmpty', 'The specified time range is empty.', 'calendar');
  return undefined;
}

function timesChanged(previous: GoogleEvent, next: Partial<EventInput>): boolean {
  return (
    JSON.stringify([previous.start, previous.end]) !==
    JSON.stringify([next.start ?? previous.start, next.end ?? previous.end])
  );
}

function mergeProperties(previous: GoogleEvent['extendedProperties'], patch: GoogleEvent['extendedProperties']) {
  if (!patch) return previous;
  return {
    private: { ...previous?.private, ...patch.private },
    shared: { ...previous?.shared, ...patch.shared },
  };
}

/** Without summary, description, location or attendees: what calendar.events.freebusy reads. */
function withoutDetails(event: GoogleEvent): Partial<GoogleEvent> {
  const { summary: _s, description: _d, location: _l, attendees: _a, ...rest } = event;
  return rest;
}

/** The instants an event occupies; an all-day event covers whole days of the calendar's zone. */
export function spanOf(event: Pick<GoogleEvent, 'start' | 'end'>, zone: string): { start: number; end: number } {
  const at = (time: GoogleEventTime) =>
    time.dateTime
      ? DateTime.fromISO(time.dateTime, { setZone: true }).toMillis()
      : DateTime.fromISO(time.date!, { zone }).startOf('day').toMillis();
  return { start: at(event.start), end: at(event.end) };
}

/** Busy as Google computes it: opaque, not cancelled, not declined by the owner; merged. */
function busyOf(calendar: FakeGoogleCalendar, from: number, to: number): { start: string; end: string }[] {
  const spans = [...calendar.events.values()]
    .map((e) => e.event)
    .filter((e) => e.status !== 'cancelled' && e.transparency !== 'transparent')
    .filter((e) => !e.attendees?.some((a) => a.self && a.responseStatus === 'declined'))
    .map((e) => spanOf(e, calendar.timeZone))
    .map((s) => ({ start: Math.max(s.start, from), end: Math.min(s.end, to) }))
    .filter((s) => s.start < s.end)
    .sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged.map((s) => ({ start: isoSeconds(s.start), end: isoSeconds(s.end) }));
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function resourceUri(calendar: FakeGoogleCalendar): string {
  return `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(calendar.id)}/events?alt=json`;
}

function syncToken(calendar: FakeGoogleCalendar): string {
  return Buffer.from(JSON.stringify({ c: calendar.id, s: calendar.seq, e: calendar.epoch })).toString('base64url');
}

function parseSyncToken(token: string): { calendarId: string; seq: number; epoch: number } | undefined {
  try {
    const { c, s, e } = JSON.parse(Buffer.from(token, 'base64url').toString()) as { c: string; s: number; e: number };
    return typeof c === 'string' && typeof s === 'number' ? { calendarId: c, seq: s, epoch: e } : undefined;
  } catch {
    return undefined;
  }
}

/** A server-chosen event id: base32hex, as Google's. */
function newEventId(): string {
  return randomUUID()
    .replace(/-/g, '')
    .replace(/[w-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 10));
}
