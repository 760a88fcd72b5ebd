import { waitFor } from '@calldesk/testing';
import { startGateways, OPERATOR, type Gateways } from './gateway-under-test';

describe('revoking an api key', () => {
  let edge: Gateways;

  beforeAll(async () => {
    // Keys are trusted from memory for a minute here: only the broadcast can make the second refuse in time.
    edge = await startGateways(2, { API_KEY_CACHE_TTL_MS: '60000' });
  }, 60_000);
  afterAll(() => edge?.stop(), 30_000);

  it('on one gateway is refused by another within a second', async () => {
    const { tenantId, key, keyId } = await edge.tenantKey();
    expect((await edge.call('GET', '/v1/tenant', key, { gateway: 0 })).status).toBe(200);
    expect((await edge.call('GET', '/v1/tenant', key, { gateway: 1 })).status).toBe(200);
    const revokedAt = Date.now();
    expect((await edge.call('DELETE', `/v1/tenants/${tenantId}/api-keys/${keyId}`, OPERATOR)).status).toBe(204);
    expect((await edge.call('GET', '/v1/tenant', key, { gateway: 0 })).status).toBe(401);
    let refusedAfterMs: number | undefined;
    while (refusedAfterMs === undefined && Date.now() - revokedAt < 5_000) {
      const { status, body } = await edge.call('GET', '/v1/tenant', key, { gateway: 1 });
      if (status === 401) {
        expect(body.error).toEqual({ code: 'unauthenticated', message: 'unknown or revoked api key', details: {} });
        refusedAfterMs = Date.now() - revokedAt;
      }
    }
    expect(refusedAfterMs).toBeLessThan(1_000);
  });

  it('closes the key’s live streams on every gateway', async () => {
    const { tenantId, key, keyId } = await edge.tenantKey();
    const other = await edge.tenantKey();
    const leave = new AbortController();
    const streams = await Promise.all(
      [key, other.key].map((token) =>
        fetch(`${edge.gateways[1].url}/v1/events`, {
          headers: { authorization: `Bearer ${token}` },
          signal: leave.signal,
        }),
      ),
    );
    const [doomed, kept] = streams.map((response) => {
      const state = { ended: false };
      void response
        .body!.pipeTo(new WritableStream())
        .catch(() => undefined)
        .finally(() => (state.ended = true));
      return state;
    });
    const revokedAt = Date.now();
    expect((await edge.call('DELETE', `/v1/tenants/${tenantId}/api-keys/${keyId}`, OPERATOR)).status).toBe(204);
    await waitFor(() => doomed.ended, { timeoutMs: 1_000, intervalMs: 10 });
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
    expect(kept.ended).toBe(false);
    leave.abort();
  });

  it('is the operator’s: a tenant key is refused with 403, an unknown key id with 404', async () => {
    const { tenantId, key, keyId } = await edge.tenantKey();
    const denied = await edge.call('DELETE', `/v1/tenants/${tenantId}/api-keys/${keyId}`, key);
    expect(denied).toMatchObject({ status: 403, body: { error: { code: 'permission_denied', details: {} } } });
    expect(
      (await edge.call('DELETE', `/v1/tenants/${tenantId}/api-keys/00000000-0000-0000-0000-000000000000`, OPERATOR))
        .status,
    ).toBe(404);
    expect((await edge.call('GET', '/v1/tenant', key)).status).toBe(200);
  });
});
