import { channelOfSecret, issueChannelSecret, issueOAuthState, readOAuthState, TokenSigner } from '.';

describe('TokenSigner', () => {
  const signer = new TokenSigner('a-secret-of-enough-length');
  const other = new TokenSigner('another-secret-of-enough-length');

  it('verifies its own tokens and refuses tampered, foreign or repurposed ones', () => {
    const token = signer.sign('a', 'payload');
    expect(signer.verify('a', token)).toBe('payload');
    expect(signer.verify('b', token)).toBeUndefined();
    expect(other.verify('a', token)).toBeUndefined();
    expect(
      signer.verify('a', `${Buffer.from('payloaD').toString('base64url')}${token.slice(token.indexOf('.'))}`),
    ).toBeUndefined();
    expect(signer.verify('a', 'garbage')).toBeUndefined();
    expect(signer.verify('a', '')).toBeUndefined();
  });

  it('issues channel secrets bound to the channel, short enough for Google and Graph', () => {
    const channelId = 'google:8d1c7c52-4a8e-4f4e-9a57-0d2f9a4f4b1e';
    const secret = issueChannelSecret(signer, channelId);
    expect(secret.length).toBeLessThanOrEqual(128);
    expect(channelOfSecret(signer, secret)).toBe(channelId);
    expect(issueChannelSecret(signer, channelId)).not.toBe(secret);
    expect(channelOfSecret(other, secret)).toBeUndefined();
  });

  it('binds the OAuth state to provider, tenant and member, and lets it expire', () => {
    const now = Date.now();
    const state = issueOAuthState(signer, { provider: 'google', tenantId: 't1', memberId: 'm1' }, 600, now);
    expect(readOAuthState(signer, 'google', state, now)).toEqual({
      provider: 'google',
      tenantId: 't1',
      memberId: 'm1',
    });
    expect(readOAuthState(signer, 'microsoft', state, now)).toBeUndefined();
    expect(readOAuthState(signer, 'google', state, now + 601_000)).toBeUndefined();
    expect(readOAuthState(other, 'google', state, now)).toBeUndefined();
  });
});
