import { randomBytes, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { deliver, type Delivery, type FakeResponse, type RecordedRequest } from './fake-http';
import { FakeProvider, type FakeAccessToken, type FakeGrant } from './fake-provider';
import { readCodeChallenge, verifierMatches, type CodeChallenge } from './pkce';

/**
 * A fake Microsoft Graph (v1.0 calendars, events, calendarView, delta, subscriptions) with the
 * Microsoft identity platform (v2.0 authorize and token), as a real HTTP server with in-memory
 * mailboxes, built from Microsoft's documented wire formats and /work/shared/PROVIDERS.md. Point
 * `@microsoft/microsoft-graph-client` at `fake.graphUrl` (initWithMiddleware, own auth
 * middleware: the client sends tokens only to https Graph hosts otherwise).
 *
 * Differences from Microsoft, on purpose: one server answers login and Graph; consent is given by
 * the test; notification URLs may be http when `allowInsecureWebhooks` is set; refresh tokens
 * rotate and the old one dies at once (Microsoft keeps it a while: being strict proves we store
 * the new one); recurring events are not expanded; delta ignores $select (as Graph does).
 */
export interface FakeMicrosoftOptions {
  clientId?: string;
  clientSecret?: string;
  accessTokenTtlSeconds?: number;
  allowInsecureWebhooks?: boolean;
  /** Longest subscription lifetime for events (Graph: 4230 minutes, about 3 days). */
  maxSubscriptionMinutes?: number;
  /** calendarView page size without $top or Prefer: odata.maxpagesize (Graph: 10). */
  pageSize?: number;
  /** The most items a page holds whatever is asked (to make tests page). */
  maxPageSize?: number;
  /** How long the validation handshake may take (Graph: 10 s). */
  validationTimeoutMs?: number;
}

export interface GraphDateTime {
  dateTime: string;
  timeZone: string;
}

/** An event in Graph's wire shape (the fields the fake knows). */
export interface GraphEvent {
  id: string;
  '@odata.etag': string;
  changeKey: string;
  subject?: string;
  body?: { contentType: string; content: string };
  bodyPreview?: string;
  location?: { displayName: string };
  attendees?: { emailAddress: { name?: string; address: string }; type: string; status?: { response: string } }[];
  start: GraphDateTime;
  end: GraphDateTime;
  isAllDay: boolean;
  showAs: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
  isCancelled: boolean;
  type: 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
  transactionId?: string | null;
  singleValueExtendedProperties?: { id: string; value: string }[];
  createdDateTime: string;
  lastModifiedDateTime: string;
}

export type GraphEventInput = Partial<
  Omit<GraphEvent, 'id' | '@odata.etag' | 'changeKey' | 'createdDateTime' | 'lastModifiedDateTime'>
> &
  Pick<GraphEvent, 'start' | 'end'>;

export interface FakeGraphCalendar {
  id: string;
  name: string;
  canEdit: boolean;
  isDefaultCalendar: boolean;
  owner: string;
  /** Live events by id (deleted ones are gone, as in Graph). */
  events: Map<string, GraphEvent>;
  /** Every change, in order: for delta. */
  log: { seq: number; eventId: string; removed: boolean }[];
  seq: number;
  epoch: number;
}

export interface FakeGraphSubscription {
  id: string;
  resource: string;
  calendarId: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  expirationDateTime: string;
  account: string;
  deleted: boolean;
}

interface PendingCode {
  account: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  /** PKCE: what the authorization request committed to; the exchange must prove it. */
  challenge?: CodeChallenge;
  used: boolean;
}

export const GRAPH_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

export class FakeMicrosoft extends FakeProvider {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly calendars = new Map<string, FakeGraphCalendar>();
  readonly subscriptions = new Map<string, FakeGraphSubscription>();
  readonly deliveries: Delivery[] = [];
  consent: { account?: string; deny?: boolean } = {};
  accessTokenTtlSeconds: number;
  private readonly accounts = new Map<string, { email: string; userId: string; timeZone: string }>();
  private readonly codes = new Map<string, PendingCode>();
  /** Transaction ids per account: a retried POST finds its event. */
  private readonly transactions = new Map<string, { calendarId: string; eventId: string; fingerprint: string }>();

  private constructor(private readonly options: FakeMicrosoftOptions) {
    super(
      (status) => graphFaultBody(status),
      (request) => request.path.startsWith('/v1.0/'),
    );
    this.clientId = options.clientId ?? 'fake-microsoft-client-id';
    this.clientSecret = options.clientSecret ?? 'fake-microsoft-client-secret';
    this.accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 3_600;
  }

  static async start(options: FakeMicrosoftOptions = {}): Promise<FakeMicrosoft> {
    const fake = new FakeMicrosoft(options);
    await fake.http.listen();
    return fake;
  }

  /** The Graph base (ends with /): `${graphUrl}v1.0/me/...`. */
  get graphUrl(): string {
    return `${this.http.url}/`;
  }

  get authorizeUrl(): string {
    return `${this.http.url}/common/oauth2/v2.0/authorize`;
  }

  get tokenUrl(): string {
    return `${this.http.url}/common/oauth2/v2.0/token`;
  }

  // --- the test's side ---

  /** A mailbox with its default calendar; `timeZone` as mailboxSettings says it (Windows or IANA). */
  addAccount(email: string, timeZone = 'UTC'): FakeGraphCalendar {
    this.accounts.set(email, { email, userId: randomUUID(), timeZone });
    this.consent = { account: email };
    return this.addCalendar(email, { name: 'Calendar', isDefaultCalendar: true });
  }

  addCalendar(
    account: string,
    calendar: { name: string; canEdit?: boolean; isDefaultCalendar?: boolean },
  ): FakeGraphCalendar {
    const created: FakeGraphCalendar = {
      id: `AAMk${randomBytes(24).toString('base64url')}`,
      name: calendar.name,
      canEdit: calendar.canEdit ?? true,
      isDefaultCalendar: calendar.isDefaultCalendar ?? false,
      owner: account,
      events: new Map(),
      log: [],
      seq: 0,
      epoch: 1,
    };
    this.calendars.set(created.id, created);
    return created;
  }

  /** The owner deletes a calendar in Outlook: it leaves /me/calendars, its events with it. */
  ownerDeleteCalendar(calendarId: string): void {
    this.calendar(calendarId);
    this.calendars.delete(calendarId);
  }

  ownerCreate(calendarId: string, input: GraphEventInput): GraphEvent {
    return this.save(this.calendar(calendarId), { ...input }, 'created');
  }

  ownerUpdate(calendarId: string, eventId: string, patch: Partial<GraphEventInput>): GraphEvent {
    const calendar = this.calendar(calendarId);
    const existing = calendar.events.get(eventId);
    if (!existing) throw new Error(`no event ${eventId}`);
    return this.save(calendar, { ...existing, ...patch }, 'updated', existing);
  }

  ownerDelete(calendarId: string, eventId: string): void {
    this.remove(this.calendar(calendarId), eventId);
  }

  event(calendarId: string, eventId: string): GraphEvent | undefined {
    return this.calendar(calendarId).events.get(eventId);
  }

  events(calendarId: string): GraphEvent[] {
    return [...this.calendar(calendarId).events.values()];
  }

  calendar(calendarId: string): FakeGraphCalendar {
    const calendar = this.calendars.get(calendarId);
    if (!calendar) throw new Error(`no calendar ${calendarId}`);
    return calendar;
  }

  expireDeltaTokens(calendarId: string): void {
    this.calendar(calendarId).epoch += 1;
  }

  liveSubscriptions(calendarId?: string): FakeGraphSubscription[] {
    return [...this.subscriptions.values()].filter(
      (s) =>
        !s.deleted && Date.parse(s.expirationDateTime) > Date.now() && (!calendarId || s.calendarId === calendarId),
    );
  }

  /** Sends a lifecycle notification (reauthorizationRequired, subscriptionRemoved, missed). */
  async sendLifecycle(
    subscriptionId: string,
    lifecycleEvent: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed',
  ): Promise<Delivery> {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription?.lifecycleNotificationUrl) throw new Error(`subscription ${subscriptionId} has no lifecycle URL`);
    if (lifecycleEvent === 'subscriptionRemoved') subscription.deleted = true;
    const body = {
      value: [
        {
          subscriptionId,
          subscriptionExpirationDateTime: subscription.expirationDateTime,
          tenantId: GRAPH_TENANT_ID,
          clientState: subscription.clientState,
          lifecycleEvent,
        },
      ],
    };
    return deliver(
      subscription.lifecycleNotificationUrl,
      { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      this.deliveries,
    );
  }

  // --- HTTP ---

  protected async route(request: RecordedRequest, response: FakeResponse): Promise<void> {
    const { method, path } = request;
    const login = /^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token)$/.exec(path);
    if (login && login[2] === 'authorize' && method === 'GET') return this.authorize(request, response);
    if (login && login[2] === 'token' && method === 'POST') return this.token(request, response);
    if (!path.startsWith('/v1.0/')) return;

    const auth = this.authenticate(request);
    if (!auth) {
      return response.json(
        401,
        graphError('InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'),
        {
          'www-authenticate': 'Bearer realm="", error="invalid_token"',
        },
      );
    }
    const account = auth.grant.account;
    const parts = path.slice('/v1.0/'.length).split('/');
    if (parts[0] === 'subscriptions') return this.subscriptionRoute(account, parts[1], request, response);
    if (parts[0] !== 'me')
      return response.json(404, graphError('ResourceNotFound', 'Resource not found for the segment.'));

    if (method === 'GET' && path === '/v1.0/me/mailboxSettings')
      return response.json(200, select({ timeZone: this.accounts.get(account)!.timeZone }, request));
    if (method === 'GET' && path === '/v1.0/me/mailboxSettings/timeZone')
      return response.json(200, { value: this.accounts.get(account)!.timeZone });
    if (method === 'GET' && path === '/v1.0/me/calendars') return this.listCalendars(account, request, response);

    // /me/events[/{id}] and /me/calendars/{cid}/events[/{id}], calendarView[/delta]
    let calendar: FakeGraphCalendar | undefined;
    let rest: string[];
    if (parts[1] === 'calendars' && parts[2]) {
      calendar = this.calendars.get(parts[2]);
      if (!calendar || calendar.owner !== account)
        return response.json(404, graphError('ErrorItemNotFound', 'The specified object was not found in the store.'));
      rest = parts.slice(3);
    } else {
      rest = parts.slice(1);
    }
    if (rest[0] === 'calendarView' && method === 'GET') {
      if (rest[1] === 'delta') return this.delta(calendar ?? this.defaultCalendar(account), request, response);
      return this.calendarView(calendar ?? this.defaultCalendar(account), request, response);
    }
    if (rest[0] === 'events') {
      const eventId = rest[1];
      if (!eventId && method === 'POST')
        return this.create(account, calendar ?? this.defaultCalendar(account), request, response);
      if (!eventId && method === 'GET') return this.listEvents(account, calendar, request, response);
      const found = eventId ? this.findEvent(account, eventId, calendar) : undefined;
      if (!found)
        return response.json(404, graphError('ErrorItemNotFound', 'The specified object was not found in the store.'));
      if (method === 'GET') return response.json(200, this.view(found.event, request));
      if (method === 'PATCH') return this.update(found.calendar, found.event, request, response);
      if (method === 'DELETE') {
        this.remove(found.calendar, found.event.id);
        return response.send(204);
      }
    }
  }

  private authorize(request: RecordedRequest, response: FakeResponse): void {
    const q = request.query;
    if (q.client_id !== this.clientId)
      return response.json(400, {
        error: 'unauthorized_client',
        error_description: 'AADSTS700016: Application not found.',
      });
    if (q.response_type !== 'code' || !q.redirect_uri)
      return response.json(400, { error: 'invalid_request', error_description: 'AADSTS900144: missing parameter.' });
    const challenge = readCodeChallenge(q);
    if (challenge === 'invalid')
      return response.json(400, {
        error: 'invalid_request',
        error_description: 'AADSTS50149: Invalid Code_Challenge_method parameter.',
      });
    const redirect = new URL(q.redirect_uri);
    if (q.state !== undefined) redirect.searchParams.set('state', q.state);
    const account = this.consent.account ?? [...this.accounts.keys()].at(-1);
    if (this.consent.deny || !account) {
      redirect.searchParams.set('error', 'access_denied');
      redirect.searchParams.set('error_description', 'AADSTS65004: User declined to consent to access the app.');
      return response.redirect(redirect.toString());
    }
    const code = `0.A${randomBytes(32).toString('base64url')}`;
    this.codes.set(code, {
      account,
      clientId: q.client_id,
      redirectUri: q.redirect_uri,
      scopes: (q.scope ?? '').split(' ').filter(Boolean),
      challenge,
      used: false,
    });
    redirect.searchParams.set('code', code);
    response.redirect(redirect.toString());
  }

  private token(request: RecordedRequest, response: FakeResponse): void {
    const form = (request.body ?? {}) as Record<string, string>;
    if (form.client_id !== this.clientId || form.client_secret !== this.clientSecret) {
      return response.json(401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
        error_codes: [7000215],
      });
    }
    if (form.grant_type === 'authorization_code') {
      const pending = this.codes.get(form.code ?? '');
      if (!pending || pending.used || pending.redirectUri !== form.redirect_uri) {
        return response.json(400, {
          error: 'invalid_grant',
          error_description: 'AADSTS70008: The provided authorization code or refresh token has expired.',
          error_codes: [70008],
        });
      }
      const pkce = pkceRefusal(pending.challenge, form.code_verifier);
      if (pkce)
        return response.json(400, {
          error: 'invalid_grant',
          error_description: pkce.description,
          error_codes: [pkce.code],
        });
      pending.used = true;
      const grant: FakeGrant = {
        account: pending.account,
        clientId: form.client_id,
        scopes: pending.scopes,
        revoked: false,
      };
      this.grants.push(grant);
      return response.json(200, this.issue(grant));
    }
    if (form.grant_type === 'refresh_token') {
      const grant = this.grants.find((g) => g.refreshToken === form.refresh_token);
      if (!grant || grant.revoked) {
        return response.json(400, {
          error: 'invalid_grant',
          error_description: 'AADSTS700082: The refresh token has expired due to inactivity.',
          error_codes: [700082],
        });
      }
      return response.json(200, this.issue(grant));
    }
    response.json(400, { error: 'unsupported_grant_type', error_description: 'AADSTS70003: unsupported grant type.' });
  }

  /** A new access token, and a new refresh token (rotation: the old one no longer works). */
  private issue(grant: FakeGrant) {
    const accessToken = `eyJ0eXAi.${randomBytes(32).toString('base64url')}`;
    this.accessTokens.set(accessToken, { grant, expiresAt: Date.now() + this.accessTokenTtlSeconds * 1_000 });
    const offline = grant.scopes.includes('offline_access');
    if (offline) grant.refreshToken = `0.AR${randomBytes(40).toString('base64url')}`;
    return {
      token_type: 'Bearer',
      scope: grant.scopes.filter((s) => s !== 'offline_access').join(' '),
      expires_in: this.accessTokenTtlSeconds,
      ext_expires_in: this.accessTokenTtlSeconds,
      access_token: accessToken,
      ...(offline ? { refresh_token: grant.refreshToken } : {}),
    };
  }

  private authenticate(request: RecordedRequest): FakeAccessToken | undefined {
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) return undefined;
    const token = this.accessTokens.get(header.slice(7));
    if (!token || token.grant.revoked || token.expiresAt <= Date.now()) return undefined;
    return token;
  }

  private defaultCalendar(account: string): FakeGraphCalendar {
    return [...this.calendars.values()].find((c) => c.owner === account && c.isDefaultCalendar)!;
  }

  private listCalendars(account: string, request: RecordedRequest, response: FakeResponse): void {
    const owner = this.accounts.get(account)!;
    const value = [...this.calendars.values()]
      .filter((c) => c.owner === account)
      .map((c) => ({
        id: c.id,
        name: c.name,
        color: 'auto',
        hexColor: '',
        isDefaultCalendar: c.isDefaultCalendar,
        changeKey: randomBytes(8).toString('base64'),
        canShare: c.canEdit,
        canViewPrivateItems: true,
        canEdit: c.canEdit,
        allowedOnlineMeetingProviders: ['teamsForBusiness'],
        isTallyingResponses: true,
        isRemovable: !c.isDefaultCalendar,
        owner: { name: owner.email, address: owner.email },
      }));
    response.json(200, {
      '@odata.context': `${this.graphUrl}v1.0/$metadata#users('${owner.userId}')/calendars`,
      value: value.map((c) => select(c, request)),
    });
  }

  private calendarView(calendar: FakeGraphCalendar, request: RecordedRequest, response: FakeResponse): void {
    const q = request.query;
    const from = Date.parse(q.startDateTime ?? q.startdatetime ?? '');
    const to = Date.parse(q.endDateTime ?? q.enddatetime ?? '');
    if (Number.isNaN(from) || Number.isNaN(to)) {
      return response.json(
        400,
        graphError(
          'ErrorInvalidParameter',
          'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
        ),
      );
    }
    const items = [...calendar.events.values()].filter((e) => {
      const span = spanOf(e);
      return span.start < to && span.end > from;
    });
    items.sort((a, b) => spanOf(a).start - spanOf(b).start);
    const size = Math.min(pageSize(request, this.options.pageSize ?? 10), this.options.maxPageSize ?? Infinity);
    const skip = Number(q.$skip ?? 0);
    const page = items.slice(skip, skip + size);
    const next = skip + size < items.length ? new URL(`${this.url}${request.path}`) : undefined;
    if (next) {
      for (const [key, value] of Object.entries(q)) if (key !== '$skip') next.searchParams.set(key, value);
      next.searchParams.set('$skip', String(skip + size));
    }
    response.json(200, {
      '@odata.context': `${this.graphUrl}v1.0/$metadata#users('me')/calendars('${calendar.id}')/calendarView`,
      value: page.map((e) => this.view(e, request)),
      ...(next ? { '@odata.nextLink': next.toString() } : {}),
    });
  }

  /** calendarView/delta: pages by $skiptoken, then a $deltatoken; removals as @removed; 410 when expired. */
  private delta(calendar: FakeGraphCalendar, request: RecordedRequest, response: FakeResponse): void {
    const q = request.query;
    const base = `${this.url}${request.path}`;
    let state: { from: number; to: number; since: number; offset: number; epoch: number };
    const token = q.$skiptoken ?? q.$deltatoken;
    if (token) {
      try {
        state = JSON.parse(Buffer.from(token, 'base64url').toString());
      } catch {
        return response.json(400, graphError('ErrorInvalidParameter', 'Invalid token.'));
      }
      if (state.epoch !== calendar.epoch)
        return response.json(
          410,
          graphError('SyncStateNotFound', 'The sync state generation is invalid or expired. Please restart sync.'),
        );
      if (q.$deltatoken) state = { ...state, offset: 0 };
    } else {
      const from = Date.parse(q.startDateTime ?? q.startdatetime ?? '');
      const to = Date.parse(q.endDateTime ?? q.enddatetime ?? '');
      if (Number.isNaN(from) || Number.isNaN(to))
        return response.json(400, graphError('ErrorInvalidParameter', 'StartDateTime and EndDateTime are required.'));
      state = { from, to, since: 0, offset: 0, epoch: calendar.epoch };
    }
    const latest = new Map<string, boolean>();
    for (const entry of calendar.log) if (entry.seq > state.since) latest.set(entry.eventId, entry.removed);
    const changed = [...latest.entries()]
      .map(([eventId, removed]) => {
        const event = calendar.events.get(eventId);
        if (removed || !event) return state.since > 0 ? { '@removed': { reason: 'deleted' }, id: eventId } : undefined;
        const span = spanOf(event);
        if (span.start < state.to && span.end > state.from) return this.view(event, { ...request, query: {} });
        return state.since > 0 ? { '@removed': { reason: 'changed' }, id: eventId } : undefined;
      })
      .filter((item): item is NonNullable<typeof item> => item !== undefined);
    const size = Math.min(pageSize(request, 100), this.options.maxPageSize ?? Infinity);
    const page = changed.slice(state.offset, state.offset + size);
    const more = state.offset + size < changed.length;
    const link = (key: string, next: typeof state) =>
      `${base}?${key}=${Buffer.from(JSON.stringify(next)).toString('base64url')}`;
    response.json(200, {
      '@odata.context': `${this.graphUrl}v1.0/$metadata#Collection(event)`,
      value: page,
      ...(more
        ? { '@odata.nextLink': link('$skiptoken', { ...state, offset: state.offset + size }) }
        : { '@odata.deltaLink': link('$deltatoken', { ...state, since: calendar.seq, offset: 0 }) }),
    });
  }

  private listEvents(
    account: string,
    calendar: FakeGraphCalendar | undefined,
    request: RecordedRequest,
    response: FakeResponse,
  ): void {
    const pool = calendar ? [calendar] : [...this.calendars.values()].filter((c) => c.owner === account);
    let items = pool.flatMap((c) => [...c.events.values()]);
    const filter = request.query.$filter;
    if (filter) {
      // singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...')
      const match = /ep\/id eq '([^']+)' and ep\/value eq '([^']*)'/.exec(filter);
      if (!match)
        return response.json(400, graphError('ErrorInvalidUrlQueryFilter', 'The filter is not supported by the fake.'));
      items = items.filter((e) =>
        e.singleValueExtendedProperties?.some(
          (p) => p.id.toLowerCase() === match[1].toLowerCase() && p.value === match[2],
        ),
      );
    }
    response.json(200, { value: items.map((e) => this.view(e, request)) });
  }

  private create(account: string, calendar: FakeGraphCalendar, request: RecordedRequest, response: FakeResponse): void {
    if (!calendar.canEdit)
      return response.json(403, graphError('ErrorAccessDenied', 'Access is denied. Check credentials and try again.'));
    const input = (request.body ?? {}) as GraphEventInput;
    const invalid = invalidTimes(input);
    if (invalid) return response.json(400, invalid);
    if (input.transactionId) {
      const key = `${account}/${input.transactionId}`;
      const known = this.transactions.get(key);
      const existing = known ? this.calendars.get(known.calendarId)?.events.get(known.eventId) : undefined;
      if (known && existing) {
        // A retried POST: the same event, not a second one; other content under the same id is refused.
        if (known.fingerprint !== fingerprint(input) || known.calendarId !== calendar.id) {
          return response.json(
            400,
            graphError('ErrorDuplicateTransactionId', 'The transaction id is already used by another item.'),
          );
        }
        return response.json(201, this.view(existing, request));
      }
      const event = this.save(calendar, input, 'created');
      this.transactions.set(key, { calendarId: calendar.id, eventId: event.id, fingerprint: fingerprint(input) });
      return response.json(201, this.view(event, request));
    }
    response.json(201, this.view(this.save(calendar, input, 'created'), request));
  }

  private update(
    calendar: FakeGraphCalendar,
    event: GraphEvent,
    request: RecordedRequest,
    response: FakeResponse,
  ): void {
    if (!calendar.canEdit)
      return response.json(403, graphError('ErrorAccessDenied', 'Access is denied. Check credentials and try again.'));
    const ifMatch = request.headers['if-match'];
    if (ifMatch && ifMatch !== '*' && ifMatch !== event['@odata.etag']) {
      return response.json(
        412,
        graphError(
          'ErrorIrresolvableConflict',
          'The change key passed in the request does not match the current change key for the item.',
        ),
      );
    }
    const patch = (request.body ?? {}) as Partial<GraphEventInput>;
    const next = { ...event, ...patch };
    const invalid = invalidTimes(next);
    if (invalid) return response.json(400, invalid);
    response.json(200, this.view(this.save(calendar, next, 'updated', event), request));
  }

  private findEvent(
    account: string,
    eventId: string,
    calendar?: FakeGraphCalendar,
  ): { calendar: FakeGraphCalendar; event: GraphEvent } | undefined {
    const pool = calendar ? [calendar] : [...this.calendars.values()].filter((c) => c.owner === account);
    for (const c of pool) {
      const event = c.events.get(eventId);
      if (event) return { calendar: c, event };
    }
    return undefined;
  }

  private async subscriptionRoute(
    account: string,
    id: string | undefined,
    request: RecordedRequest,
    response: FakeResponse,
  ): Promise<void> {
    if (!id && request.method === 'POST') return this.subscribe(account, request, response);
    const subscription = id ? this.subscriptions.get(id) : undefined;
    if (!subscription || subscription.deleted || subscription.account !== account) {
      return response.json(404, graphError('ResourceNotFound', `The object was not found.`));
    }
    if (request.method === 'GET') return response.json(200, subscriptionBody(subscription));
    if (request.method === 'DELETE') {
      subscription.deleted = true;
      return response.send(204);
    }
    if (request.method === 'PATCH') {
      const { expirationDateTime } = (request.body ?? {}) as { expirationDateTime?: string };
      const problem = this.badExpiration(expirationDateTime);
      if (problem) return response.json(400, problem);
      subscription.expirationDateTime = new Date(Date.parse(expirationDateTime!)).toISOString();
      return response.json(200, subscriptionBody(subscription));
    }
  }

  private async subscribe(account: string, request: RecordedRequest, response: FakeResponse): Promise<void> {
    const body = (request.body ?? {}) as Partial<FakeGraphSubscription>;
    const match =
      /^\/?me\/calendars\/([^/]+)\/events$/.exec(body.resource ?? '') ??
      /^\/?me\/calendars\('([^']+)'\)\/events$/.exec(body.resource ?? '');
    const calendar = match
      ? this.calendars.get(match[1])
      : body.resource?.replace(/^\//, '') === 'me/events'
        ? this.defaultCalendar(account)
        : undefined;
    if (!calendar || calendar.owner !== account)
      return response.json(400, graphError('InvalidRequest', 'Resource is not supported by this fake.'));
    if (!body.changeType || !body.notificationUrl)
      return response.json(400, graphError('InvalidRequest', 'changeType and notificationUrl are required.'));
    if ((body.clientState?.length ?? 0) > 128)
      return response.json(400, graphError('InvalidRequest', 'clientState is too long.'));
    const problem = this.badExpiration(body.expirationDateTime);
    if (problem) return response.json(400, problem);
    for (const url of [body.notificationUrl, body.lifecycleNotificationUrl].filter((u): u is string => Boolean(u))) {
      const protocol = new URL(url).protocol;
      if (protocol !== 'https:' && !(this.options.allowInsecureWebhooks && protocol === 'http:')) {
        return response.json(400, graphError('ValidationError', 'The Notification Url must be an https URL.'));
      }
      if (!(await this.validate(url))) {
        return response.json(
          400,
          graphError(
            'ValidationError',
            'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
          ),
        );
      }
    }
    const subscription: FakeGraphSubscription = {
      id: randomUUID(),
      resource: body.resource!,
      calendarId: calendar.id,
      changeType: body.changeType,
      notificationUrl: body.notificationUrl,
      lifecycleNotificationUrl: body.lifecycleNotificationUrl,
      clientState: body.clientState,
      expirationDateTime: new Date(Date.parse(body.expirationDateTime!)).toISOString(),
      account,
      deleted: false,
    };
    this.subscriptions.set(subscription.id, subscription);
    response.json(201, subscriptionBody(subscription));
  }

  /** The handshake: POST ?validationToken=…, expecting 200 text/plain with the token, in time. */
  private async validate(url: string): Promise<boolean> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    try {
      const answer = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        signal: AbortSignal.timeout(this.options.validationTimeoutMs ?? 10_000),
      });
      const text = await answer.text();
      this.deliveries.push({ url: target.toString(), status: answer.status, at: Date.now(), headers: {}, body: '' });
      return (
        answer.status === 200 && (answer.headers.get('content-type') ?? '').startsWith('text/plain') && text === token
      );
    } catch {
      return false;
    }
  }

  private badExpiration(expiration: string | undefined) {
    const at = Date.parse(expiration ?? '');
    if (Number.isNaN(at)) return graphError('InvalidRequest', 'expirationDateTime is required.');
    if (at <= Date.now()) return graphError('InvalidRequest', 'Subscription expiration must be in the future.');
    const max = Date.now() + (this.options.maxSubscriptionMinutes ?? 4_230) * 60_000;
    if (at > max + 60_000)
      return graphError(
        'InvalidRequest',
        `Subscription expiration can only be ${this.options.maxSubscriptionMinutes ?? 4_230} minutes in the future.`,
      );
    return undefined;
  }

  private save(
    calendar: FakeGraphCalendar,
    input: GraphEventInput & { id?: string },
    change: 'created' | 'updated',
    previous?: GraphEvent,
  ): GraphEvent {
    const now = new Date().toISOString();
    const changeKey = randomBytes(12).toString('base64');
    const event: GraphEvent = {
      isAllDay: false,
      showAs: 'busy',
      isCancelled: false,
      type: 'singleInstance',
      ...input,
      id: previous?.id ?? `AAMkAG${randomBytes(30).toString('base64url')}=`,
      '@odata.etag': `W/"${changeKey}"`,
      changeKey,
      start: normalize(input.start),
      end: normalize(input.end),
      createdDateTime: previous?.createdDateTime ?? now,
      lastModifiedDateTime: now,
    };
    if (input.body?.content) event.bodyPreview = input.body.content.slice(0, 255);
    calendar.events.set(event.id, event);
    calendar.seq += 1;
    calendar.log.push({ seq: calendar.seq, eventId: event.id, removed: false });
    this.notify(calendar, event.id, change);
    return event;
  }

  private remove(calendar: FakeGraphCalendar, eventId: string): void {
    if (!calendar.events.delete(eventId)) return;
    calendar.seq += 1;
    calendar.log.push({ seq: calendar.seq, eventId, removed: true });
    this.notify(calendar, eventId, 'deleted');
  }

  private notify(calendar: FakeGraphCalendar, eventId: string, change: 'created' | 'updated' | 'deleted'): void {
    const account = this.accounts.get(calendar.owner)!;
    for (const subscription of this.liveSubscriptions(calendar.id)) {
      if (!subscription.changeType.split(',').includes(change)) continue;
      const resource = `Users/${account.userId}/Events/${eventId}`;
      const body = {
        value: [
          {
            subscriptionId: subscription.id,
            subscriptionExpirationDateTime: subscription.expirationDateTime,
            changeType: change,
            resource,
            resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': resource, id: eventId },
            clientState: subscription.clientState,
            tenantId: GRAPH_TENANT_ID,
          },
        ],
      };
      const delivery = deliver(
        subscription.notificationUrl,
        { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
        this.deliveries,
      );
      this.pending.add(delivery);
      void delivery.finally(() => this.pending.delete(delivery));
    }
  }

  /** $select applied (id and @odata.etag always come); properties only when $expand asks. */
  private view(event: GraphEvent, request: RecordedRequest): Partial<GraphEvent> {
    const { singleValueExtendedProperties, ...rest } = event;
    let out: Partial<GraphEvent> = select(rest, request) as Partial<GraphEvent>;
    const expand = request.query.$expand ?? '';
    const wanted = /singleValueExtendedProperties\(\$filter=id eq '([^']+)'\)/.exec(expand);
    if (wanted) {
      const found = singleValueExtendedProperties?.filter((p) => p.id.toLowerCase() === wanted[1].toLowerCase()) ?? [];
      if (found.length) out = { ...out, singleValueExtendedProperties: found };
    }
    // Times are answered in UTC, whatever Prefer says (a connector asks for UTC anyway).
    return out;
  }
}

// --- helpers ---

/**
 * Microsoft's refusal when an exchange does not prove the code's PKCE challenge. A verifier sent
 * for a code asked without a challenge passes: what Microsoft does then is not documented.
 */
function pkceRefusal(
  challenge: CodeChallenge | undefined,
  verifier: string | undefined,
): { code: number; description: string } | undefined {
  if (!challenge) return undefined;
  if (verifier === undefined)
    return {
      code: 50148,
      description:
        'AADSTS50148: The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.',
    };
  if (verifierMatches(challenge, verifier)) return undefined;
  return {
    code: 501481,
    description:
      'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.',
  };
}

function graphError(code: string, message: string) {
  return {
    error: {
      code,
      message,
      innerError: { date: new Date().toISOString(), 'request-id': randomUUID(), 'client-request-id': randomUUID() },
    },
  };
}

function graphFaultBody(status: number) {
  if (status === 429) return graphError('TooManyRequests', 'Application is over its MailboxConcurrency limit.');
  if (status === 503) return graphError('ServiceUnavailable', 'Service Unavailable.');
  if (status === 401) return graphError('InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
  if (status >= 500) return graphError('InternalServerError', 'Internal Server Error.');
  return graphError('BadRequest', 'Bad Request.');
}

function select(value: Record<string, unknown>, request: RecordedRequest): Record<string, unknown> {
  const fields = request.query.$select;
  if (!fields) return value;
  const keep = new Set(['id', '@odata.etag', ...fields.split(',').map((f) => f.trim())]);
  return Object.fromEntries(Object.entries(value).filter(([key]) => keep.has(key)));
}

function pageSize(request: RecordedRequest, fallback: number): number {
  const preferred = /odata\.maxpagesize=(\d+)/.exec(request.headers.prefer ?? '')?.[1];
  return Math.max(1, Number(request.query.$top ?? preferred ?? fallback));
}

const WINDOWS_ZONES: Record<string, string> = {
  UTC: 'UTC',
  'Eastern Standard Time': 'America/New_York',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Central Standard Time': 'America/Chicago',
  'GMT Standard Time': 'Europe/London',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
};

/** The instant of a Graph dateTime in its zone (IANA or Windows name). */
function instant(time: GraphDateTime): DateTime {
  const zone = WINDOWS_ZONES[time.timeZone] ?? time.timeZone;
  return DateTime.fromISO(time.dateTime, { zone, setZone: false });
}

/** Stored and answered as Graph does with Prefer outlook.timezone="UTC": 7 fractional digits, no offset. */
function normalize(time: GraphDateTime): GraphDateTime {
  const utc = instant(time).toUTC();
  return { dateTime: `${utc.toFormat("yyyy-MM-dd'T'HH:mm:ss")}.0000000`, timeZone: 'UTC' };
}

export function graphSpanOf(event: Pick<GraphEvent, 'start' | 'end'>): { start: number; end: number } {
  return spanOf(event);
}

function spanOf(event: Pick<GraphEvent, 'start' | 'end'>): { start: number; end: number } {
  return { start: instant(event.start).toMillis(), end: instant(event.end).toMillis() };
}

function invalidTimes(input: Partial<GraphEventInput>) {
  if (!input.start?.dateTime || !input.end?.dateTime)
    return graphError('ErrorInvalidRequest', 'Start and End are required.');
  const start = instant(input.start);
  const end = instant(input.end);
  if (!start.isValid || !end.isValid) return graphError('ErrorInvalidRequest', 'Invalid time.');
  if (end.toMillis() < start.toMillis())
    return graphError('ErrorInvalidRequest', 'The end time must be after the start time.');
  return undefined;
}

function fingerprint(input: GraphEventInput): string {
  return JSON.stringify([spanOf(input), input.subject ?? '']);
}

function subscriptionBody(s: FakeGraphSubscription) {
  return {
    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity',
    id: s.id,
    resource: s.resource,
    applicationId: randomUUID(),
    changeType: s.changeType,
    clientState: s.clientState ?? null,
    notificationUrl: s.notificationUrl,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
    expirationDateTime: s.expirationDateTime,
    creatorId: randomUUID(),
    latestSupportedTlsVersion: 'v1_2',
    encryptionCertificate: null,
    includeResourceData: false,
  };
}
