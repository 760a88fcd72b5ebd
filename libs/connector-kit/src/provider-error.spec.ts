import { Decline } from '@calldesk/messaging';
import { ProviderUnavailable } from '@calldesk/resilience';
import { randomBytes } from 'node:crypto';
import { CredentialVault } from './credential-vault';
import { declineUnlessOwned, isOwnedBy, newProviderId } from './ids';
import {
  calendarReadError,
  classifyProviderError,
  isAuthRejected,
  isUnavailable,
  ProviderError,
  toRpcError,
} from './provider-error';

describe('ProviderError', () => {
  it('reads HTTP statuses as what they mean to us', () => {
    expect(
      [401, 403, 404, 410, 409, 412, 429, 500, 503, 400].map((status) => ProviderError.fromStatus(status).kind),
    ).toEqual([
      'auth_rejected',
      'forbidden',
      'not_found',
      'not_found',
      'conflict',
      'precondition_failed',
      'unavailable',
      'unavailable',
      'unavailable',
      'rejected',
    ]);
  });

  it('retries provider failures and network errors, never answers that stand', () => {
    expect(classifyProviderError(new ProviderError('unavailable', 503, 2_000))).toEqual({
      retry: true,
      retryAfterMs: 2_000,
    });
    expect(classifyProviderError(new TypeError('fetch failed'))).toEqual({ retry: true });
    expect(classifyProviderError(new ProviderError('auth_rejected', 401))).toEqual({ retry: false });
    expect(classifyProviderError(new ProviderError('precondition_failed', 412))).toEqual({ retry: false });
  });

  it('becomes the RpcError callers see, naming no provider content', () => {
    expect(toRpcError(new ProviderError('auth_rejected', 401), 'caldav')).toMatchObject({
      code: 'failed_precondition',
      details: { reason: 'needs_reauth' },
    });
    expect(toRpcError(new ProviderError('unavailable', 503), 'caldav')).toMatchObject({ code: 'unavailable' });
    expect(toRpcError(new ProviderError('not_found', 404), 'caldav')).toMatchObject({ code: 'not_found' });
    expect(toRpcError(new Error('SUMMARY:secret'), 'caldav')).toMatchObject({
      code: 'internal',
      message: 'internal error',
    });
  });

  it('marks an unreadable calendar for availability: needs_reauth or calendar_unavailable', () => {
    expect(calendarReadError(new ProviderError('auth_rejected', 401), 'caldav').details).toEqual({
      reason: 'needs_reauth',
      provider: 'caldav',
    });
    const gaveUp = new ProviderUnavailable('circuit_open', 0);
    expect(calendarReadError(gaveUp, 'caldav')).toMatchObject({
      code: 'unavailable',
      details: { reason: 'calendar_unavailable' },
    });
    expect(isUnavailable(gaveUp)).toBe(true);
    expect(isUnavailable(new ProviderError('not_found'))).toBe(false);
    expect(isAuthRejected(new ProviderError('auth_rejected'))).toBe(true);
  });
});

describe('provider ids', () => {
  it('are prefixed by the provider, and other providers’ requests are declined', () => {
    const id = newProviderId('caldav');
    expect(id).toMatch(/^caldav:[0-9a-f-]{36}$/);
    expect(isOwnedBy('caldav', id)).toBe(true);
    expect(isOwnedBy('google', id)).toBe(false);
    expect(() => declineUnlessOwned('caldav', id)).not.toThrow();
    expect(() => declineUnlessOwned('google', id)).toThrow(Decline);
  });
});

describe('CredentialVault', () => {
  const key = () => randomBytes(32).toString('base64');

  it('seals JSON credentials bound to the connection, and opens them there only', () => {
    const vault = CredentialVault.fromConfig({
      CREDENTIALS_ENCRYPTION_KEYS: `k1:${key()}`,
      CREDENTIALS_ACTIVE_KEY_ID: 'k1',
    });
    const sealed = vault.seal({ username: 'ann', password: 'app-specific-password' }, 'caldav:1');
    expect(JSON.stringify(sealed)).not.toContain('app-specific-password');
    expect(vault.open(sealed, 'caldav:1')).toEqual({ username: 'ann', password: 'app-specific-password' });
    expect(() => vault.open(sealed, 'caldav:2')).toThrow();
  });

  it('without keys, refuses to keep a secret rather than keep it in the clear', () => {
    const vault = CredentialVault.fromConfig({});
    expect(vault.configured).toBe(false);
    expect(() => vault.seal('x', 'c')).toThrow(expect.objectContaining({ code: 'failed_precondition' }));
  });
});
