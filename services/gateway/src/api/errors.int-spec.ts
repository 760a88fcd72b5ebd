import { startGateways, OPERATOR, type Answer, type Gateways } from './gateway-under-test';

describe('the gateway’s errors', () => {
  let edge: Gateways;
  let tenant: { tenantId: string; key: string };

  beforeAll(async () => {
    edge = await startGateways(1);
    tenant = await edge.tenantKey();
  }, 60_000);
  afterAll(() => edge?.stop(), 30_000);

  /** The contract's shape and nothing else, with the status and code expected. */
  function expectError(answer: Answer, status: number, code: string, details: Record<string, unknown> = {}) {
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body).toEqual({ error: { code, message: expect.any(String), details } });
  }

  const raw = async (method: string, path: string, body: string, token = tenant.key): Promise<Answer> => {
    const response = await fetch(`${edge.gateways[0].url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  };

  it('answers an unknown route 404 not_found', async () => {
    expectError(await edge.call('GET', '/v1/nothing-here', tenant.key), 404, 'not_found');
    expectError(await edge.call('POST', '/v2/bookings', 'no key'), 404, 'not_found');
  });

  it('answers a method the route does not take 405, saying which it does', async () => {
    const slots = await edge.call('DELETE', '/v1/slots', tenant.key);
    expectError(slots, 405, 'invalid_argument', { allowed: ['GET', 'HEAD'] });
    expect(slots.headers.get('allow')).toBe('GET, HEAD');
    const booking = await edge.call('PUT', '/v1/bookings/b-1', tenant.key);
    expectError(booking, 405, 'invalid_argument', { allowed: ['GET', 'HEAD'] });
    expect((await edge.call('PATCH', '/v1/tenants', OPERATOR)).headers.get('allow')).toBe('POST');
  });

  it('answers a body too large 413, and one that is not JSON 400', async () => {
    const large = await raw('POST', '/v1/members', JSON.stringify({ name: 'x'.repeat(200_000) }));
    expectError(large, 413, 'invalid_argument', { limitBytes: 102_400 });
    expectError(await raw('POST', '/v1/members', '{"name": '), 400, 'invalid_argument');
  });

  it('answers a missing or unknown key 401 unauthenticated', async () => {
    const missing = await fetch(`${edge.gateways[0].url}/v1/tenant`);
    expectError(
      { status: missing.status, headers: missing.headers, body: await missing.json() },
      401,
      'unauthenticated',
    );
    expectError(await edge.call('GET', '/v1/tenant', 'cdk_not-a-key'), 401, 'unauthenticated');
    expectError(
      await edge.call('POST', '/v1/tenants', 'not-the-operator', { body: { name: 'x', timeZone: 'UTC' } }),
      401,
      'unauthenticated',
    );
  });

  it('answers a key on a route that is not its kind 403 permission_denied', async () => {
    expectError(
      await edge.call('POST', '/v1/tenants', tenant.key, { body: { name: 'x', timeZone: 'UTC' } }),
      403,
      'permission_denied',
    );
    expectError(await edge.call('GET', '/v1/status', tenant.key), 403, 'permission_denied');
    expectError(await edge.call('GET', '/v1/tenant', OPERATOR), 403, 'permission_denied');
    expectError(
      await edge.call('POST', '/v1/members', tenant.key, { body: { tenantId: 'another', name: 'M' } }),
      403,
      'permission_denied',
      { field: 'tenantId' },
    );
  });

  it('answers what the services answer with its status, in the same shape', async () => {
    expectError(await edge.call('GET', '/v1/members/m-unknown', tenant.key), 404, 'not_found', expect.any(Object));
    expectError(
      await edge.call('POST', '/v1/members', tenant.key, { body: { name: 'Sam\r' } }),
      400,
      'invalid_argument',
      { field: 'name' },
    );
  });
});
