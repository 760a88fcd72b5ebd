import { OPERATOR, startGateways, type Gateways } from '../api/gateway-under-test';

const PASSWORD = 'a long enough owner password';
const APP = 'http://app.example.test';

/** An owner's browser, reduced to what matters here: its cookie and the CSRF token it was given. */
interface Browser {
  cookie: string;
  csrf: string;
  tenantId: string;
}

// Each sign-in hashes a password with scrypt on purpose: a few hundred milliseconds per test.
jest.setTimeout(20_000);

describe('owner sign-in and browser sessions', () => {
  let edge: Gateways;

  beforeAll(async () => {
    edge = await startGateways(2, { CORS_ORIGINS: APP, API_KEY_CACHE_TTL_MS: '500' });
  }, 60_000);
  afterAll(() => edge?.stop(), 30_000);

  const url = (path: string, gateway = 0) => `${edge.gateways[gateway].url}${path}`;

  async function call(
    method: string,
    path: string,
    options: {
      browser?: Browser;
      csrf?: string | null;
      body?: unknown;
      gateway?: number;
      headers?: Record<string, string>;
    } = {},
  ) {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (options.browser) headers.cookie = options.browser.cookie;
    const csrf = options.csrf === undefined ? options.browser?.csrf : options.csrf;
    if (csrf) headers['x-csrf-token'] = csrf;
    const response = await fetch(url(path, options.gateway), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  async function owner(): Promise<{ tenantId: string; email: string; key: string }> {
    const { tenantId, key } = await edge.tenantKey();
    const email = `owner-${tenantId}@example.test`;
    const made = await edge.call('POST', `/v1/tenants/${tenantId}/owners`, OPERATOR, {
      body: { email, password: PASSWORD },
    });
    expect(made.status).toBe(201);
    expect(made.body).toEqual({ owner: { id: expect.any(String), tenantId, email } });
    return { tenantId, email, key };
  }

  async function signIn(email: string, gateway = 0): Promise<Browser> {
    const answer = await call('POST', '/v1/session', { body: { email, password: PASSWORD }, gateway });
    expect(answer.status).toBe(200);
    const cookie = answer.headers.get('set-cookie')!.split(';')[0];
    return { cookie, csrf: answer.body.session.csrfToken, tenantId: answer.body.session.tenantId };
  }

  it('makes owner accounts for the operator only, with a real email and a long password, once per email', async () => {
    const { tenantId, email, key } = await owner();
    const again = await edge.call('POST', `/v1/tenants/${tenantId}/owners`, OPERATOR, {
      body: { email: email.toUpperCase(), password: PASSWORD },
    });
    expect(again.status).toBe(409);
    const short = await edge.call('POST', `/v1/tenants/${tenantId}/owners`, OPERATOR, {
      body: { email: 'b@example.test', password: 'short' },
    });
    expect(short.body.error).toMatchObject({ code: 'invalid_argument', details: { field: 'password' } });
    const notEmail = await edge.call('POST', `/v1/tenants/${tenantId}/owners`, OPERATOR, {
      body: { email: 'nobody', password: PASSWORD },
    });
    expect(notEmail.body.error).toMatchObject({ code: 'invalid_argument', details: { field: 'email' } });
    expect(
      (
        await edge.call('POST', `/v1/tenants/no-such-tenant/owners`, OPERATOR, {
          body: { email: 'c@example.test', password: PASSWORD },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await edge.call('POST', `/v1/tenants/${tenantId}/owners`, key, {
          body: { email: 'd@example.test', password: PASSWORD },
        })
      ).status,
    ).toBe(403);
  });

  it('signs an owner in with an httpOnly SameSite=Lax cookie bound to the tenant, and refuses a wrong password alike for unknown emails', async () => {
    const { tenantId, email } = await owner();
    const wrong = await call('POST', '/v1/session', { body: { email, password: `${PASSWORD}!` } });
    const unknown = await call('POST', '/v1/session', { body: { email: `x${email}`, password: PASSWORD } });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(unknown.body).toEqual(wrong.body);
    const answer = await call('POST', '/v1/session', { body: { email, password: PASSWORD } });
    expect(answer.headers.get('set-cookie')).toMatch(
      /^calldesk_session=cds_[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/,
    );
    expect(answer.body.session).toEqual({
      tenantId,
      email,
      csrfToken: expect.any(String),
      expiresAt: expect.any(String),
    });
    const browser = await signIn(email);
    expect((await call('GET', '/v1/tenant', { browser })).body.tenant.id).toBe(tenantId);
    expect((await call('GET', '/v1/session', { browser, gateway: 1 })).body.session.csrfToken).toBe(browser.csrf);
  });

  it('refuses a call that changes something without the session’s CSRF token, and a body naming another tenant', async () => {
    const { email } = await owner();
    const browser = await signIn(email);
    const member = { name: 'Dana' };
    for (const csrf of [null, 'forged']) {
      const refused = await call('POST', '/v1/members', { browser, csrf, body: member });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: 'permission_denied', details: { header: 'X-CSRF-Token' } });
    }
    expect((await call('GET', '/v1/members', { browser, csrf: null })).body.members).toEqual([]);
    expect((await call('POST', '/v1/members', { browser, body: member })).status).toBe(201);
    const other = await owner();
    expect((await call('POST', '/v1/members', { browser, body: { ...member, tenantId: other.tenantId } })).status).toBe(
      403,
    );
    expect((await call('GET', `/v1/members?tenantId=${other.tenantId}`, { browser })).status).toBe(403);
    expect((await call('GET', '/v1/status', { browser })).status).toBe(403);
    expect(
      (await call('POST', `/v1/tenants/${other.tenantId}/api-keys`, { browser, body: { name: 'mine now' } })).status,
    ).toBe(403);
  });

  it('ends a session on signing out on every instance, closing its live stream, and after it expires', async () => {
    const { email } = await owner();
    const browser = await signIn(email);
    const stream = await fetch(url('/v1/events', 1), { headers: { cookie: browser.cookie } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain(': connected');
    const ended = (async () => {
      try {
        while (!(await reader.read()).done);
      } catch {
        // A stream the gateway drops ends with an error here: ended all the same.
      }
    })();
    expect((await call('DELETE', '/v1/session', { browser, csrf: null })).status).toBe(403);
    const out = await call('DELETE', '/v1/session', { browser });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^calldesk_session=; .*Max-Age=0/);
    for (const gateway of [0, 1]) {
      const refused = await call('GET', '/v1/tenant', { browser, gateway });
      expect(refused.body.error).toEqual({
        code: 'unauthenticated',
        message: 'the session has ended: sign in again',
        details: {},
      });
    }
    // The stream was on the other instance: it learns within API_KEY_CACHE_TTL_MS.
    await ended;

    const later = await signIn(email);
    await edge.database.query(`UPDATE gateway.sessions SET expires_at = now() - interval '1 second'`);
    expect((await call('GET', '/v1/session', { browser: later })).status).toBe(401);
  });

  it('lets pages of CORS_ORIGINS call with credentials, and refuses other origins’ preflights and sign-ins', async () => {
    const preflight = (origin: string) =>
      fetch(url('/v1/members'), {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-csrf-token' },
      });
    const allowed = await preflight(APP);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('X-CSRF-Token');
    const refused = await preflight('http://evil.example.test');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const { email } = await owner();
    const fromApp = await call('POST', '/v1/session', {
      body: { email, password: PASSWORD },
      headers: { origin: APP },
    });
    expect(fromApp.status).toBe(200);
    expect(fromApp.headers.get('access-control-allow-origin')).toBe(APP);
    const fromElsewhere = await call('POST', '/v1/session', {
      body: { email, password: PASSWORD },
      headers: { origin: 'http://evil.example.test' },
    });
    expect(fromElsewhere.status).toBe(403);
    expect(fromElsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });
});
