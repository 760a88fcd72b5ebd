import { classifyProviderError } from '@calldesk/connector-kit';
import { googleErrorOf, type GoogleError } from './google-errors';

const answer = (status: number, reason?: string, retryAfter?: string) => ({
  response: {
    status,
    headers: new Headers(retryAfter ? { 'retry-after': retryAfter } : {}),
    data: reason ? { error: { code: status, errors: [{ reason }] } } : {},
  },
  config: { data: { summary: 'a booking title that must not travel' } },
});

describe('googleErrorOf', () => {
  it('backs off from 429 and 403 rate limits (Retry-After kept), not from other 403s', () => {
    expect(classifyProviderError(googleErrorOf(answer(429, 'rateLimitExceeded', '2')))).toEqual({
      retry: true,
      retryAfterMs: 2_000,
    });
    expect(classifyProviderError(googleErrorOf(answer(403, 'userRateLimitExceeded')))).toEqual({
      retry: true,
      retryAfterMs: undefined,
    });
    expect(classifyProviderError(googleErrorOf(answer(403, 'forbidden')))).toEqual({ retry: false });
    expect(classifyProviderError(googleErrorOf(answer(503, 'backendError')))).toMatchObject({ retry: true });
  });

  it("keeps Google's reason beside our kind, and nothing of the request", () => {
    const duplicate = googleErrorOf(answer(409, 'duplicate')) as GoogleError;
    expect(duplicate).toMatchObject({ kind: 'conflict', status: 409, reason: 'duplicate' });
    expect(googleErrorOf(answer(410, 'fullSyncRequired'))).toMatchObject({
      kind: 'not_found',
      reason: 'fullSyncRequired',
    });
    expect(googleErrorOf({ response: { status: 400, data: { error: 'invalid_grant' } } })).toMatchObject({
      reason: 'invalid_grant',
    });
    expect(JSON.stringify(duplicate)).not.toContain('booking title');
    expect(duplicate.message).not.toContain('booking title');
  });

  it('takes no answer at all (a refused connection) as unavailable', () => {
    expect(googleErrorOf(new TypeError('fetch failed'))).toMatchObject({ kind: 'unavailable' });
  });
});
