import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tokens we hand to a provider or a browser and must recognise when they come back: a payload
 * and an HMAC-SHA256 over it, keyed by a secret from the environment and a purpose (so a token
 * made for one use is worthless for another). Checked in constant time, without a database, so
 * the gateway can refuse a forged webhook before anything else sees it.
 *
 * Format: base64url(payload) "." base64url(mac).
 */
export class TokenSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 16) throw new Error('a signing secret must have at least 16 characters');
    this.key = Buffer.from(secret, 'utf8');
  }

  sign(purpose: string, payload: string): string {
    return `${Buffer.from(payload, 'utf8').toString('base64url')}.${this.mac(purpose, payload).toString('base64url')}`;
  }

  /** The payload of a token this signer made for `purpose`, or undefined. */
  verify(purpose: string, token: string): string | undefined {
    const dot = token.indexOf('.');
    if (dot < 1 || token.length > 4_096) return undefined;
    const payload = Buffer.from(token.slice(0, dot), 'base64url').toString('utf8');
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = this.mac(purpose, payload);
    return given.length === expected.length && timingSafeEqual(given, expected) ? payload : undefined;
  }

  private mac(purpose: string, payload: string): Buffer {
    return createHmac('sha256', this.key).update(purpose).update('\n').update(payload).digest();
  }
}

const CHANNEL = 'push-channel';

/**
 * The secret of a push channel (Google's channel token, Graph's clientState): bound to the
 * channel's id (ours), random, and short enough for both (Google ≤ 256, Graph ≤ 128 characters).
 */
export function issueChannelSecret(signer: TokenSigner, channelId: string): string {
  return signer.sign(CHANNEL, `${channelId}~${randomBytes(12).toString('base64url')}`);
}

/** The channel id a channel secret was issued for, when it is genuine. */
export function channelOfSecret(signer: TokenSigner, secret: string): string | undefined {
  const payload = signer.verify(CHANNEL, secret);
  return payload?.slice(0, payload.lastIndexOf('~'));
}

const STATE = 'oauth-state';

export interface OAuthState {
  provider: string;
  tenantId: string;
  memberId: string;
}

/** The OAuth `state`: who is connecting, signed, expiring after `ttlSeconds`. */
export function issueOAuthState(signer: TokenSigner, state: OAuthState, ttlSeconds: number, now = Date.now()): string {
  const body = {
    p: state.provider,
    t: state.tenantId,
    m: state.memberId,
    e: Math.floor(now / 1_000) + ttlSeconds,
    n: randomBytes(8).toString('base64url'),
  };
  return signer.sign(STATE, JSON.stringify(body));
}

/** The state's content when genuine, for this provider and not expired; else undefined. */
export function readOAuthState(
  signer: TokenSigner,
  provider: string,
  token: string,
  now = Date.now(),
): OAuthState | undefined {
  const payload = signer.verify(STATE, token);
  if (!payload) return undefined;
  try {
    const body = JSON.parse(payload) as { p: string; t: string; m: string; e: number };
    if (body.p !== provider || typeof body.t !== 'string' || typeof body.m !== 'string') return undefined;
    if (!(body.e * 1_000 > now)) return undefined;
    return { provider: body.p, tenantId: body.t, memberId: body.m };
  } catch {
    return undefined;
  }
}
