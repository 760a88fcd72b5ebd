import { RpcError } from '@calldesk/contracts';
import { parseRetryAfter } from '@calldesk/resilience';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { MicrosoftConfig } from '../config';
import { GraphFailure } from './graph-errors';

/** Delegated scopes: a refresh token, calendars read and write, and the mailbox's time zone. */
export const MICROSOFT_SCOPES = ['offline_access', 'Calendars.ReadWrite', 'MailboxSettings.Read'] as const;

export interface TokenAnswer {
  accessToken: string;
  /** Rotates: store the new one. */
  refreshToken?: string;
  expiresAt: number;
  scopes: string[];
}

/**
 * The Microsoft identity platform (v2.0): the authorization URL, the code exchange and refresh.
 * No client library (MSAL is not among our dependencies): two form posts, errors in our terms,
 * never retried here (the retry policy around the caller decides).
 */
@Injectable()
export class MicrosoftOAuth {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: MicrosoftConfig) {}

  get redirectUri(): string {
    return new URL('/v1/oauth/microsoft/callback', this.config.PUBLIC_BASE_URL).toString();
  }

  /** Consent for our scopes, with the single-use `state` and the PKCE challenge (S256). */
  authorizationUrl(state: string, codeChallenge: string): string {
    const { clientId } = this.client();
    const url = new URL(this.config.MICROSOFT_AUTHORIZE_URL);
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('redirect_uri', this.redirectUri);
    url.searchParams.set('response_mode', 'query');
    url.searchParams.set('scope', MICROSOFT_SCOPES.join(' '));
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
    return url.toString();
  }

  /** The sign-in code, proven ours by the verifier its challenge was made from. */
  exchange(code: string, codeVerifier: string, signal?: AbortSignal): Promise<TokenAnswer> {
    const form = {
      grant_type: 'authorization_code',
      code,
      code_verifier: codeVerifier,
      redirect_uri: this.redirectUri,
      scope: MICROSOFT_SCOPES.join(' '),
    };
    return this.token(form, signal);
  }

  refresh(refreshToken: string, signal?: AbortSignal): Promise<TokenAnswer> {
    return this.token(
      { grant_type: 'refresh_token', refresh_token: refreshToken, scope: MICROSOFT_SCOPES.join(' ') },
      signal,
    );
  }

  private client(): { clientId: string; clientSecret: string } {
    const { MICROSOFT_CLIENT_ID: clientId, MICROSOFT_CLIENT_SECRET: clientSecret } = this.config;
    if (!clientId || !clientSecret) {
      throw new RpcError(
        'failed_precondition',
        'Microsoft sign-in is not configured (MICROSOFT_CLIENT_ID, MICROSOFT_CLIENT_SECRET)',
        {
          reason: 'provider_not_configured',
        },
      );
    }
    return { clientId, clientSecret };
  }

  private async token(form: Record<string, string>, signal?: AbortSignal): Promise<TokenAnswer> {
    const { clientId, clientSecret } = this.client();
    let response: Response;
    try {
      response = await fetch(this.config.MICROSOFT_TOKEN_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, ...form }),
        signal,
      });
    } catch {
      throw new GraphFailure('unavailable', 0, 'no_answer');
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      const code = typeof body.error === 'string' ? body.error : undefined;
      const kind =
        response.status === 429 || response.status >= 500
          ? 'unavailable'
          : code === 'invalid_grant'
            ? 'auth_rejected'
            : 'rejected';
      throw new GraphFailure(kind, response.status, code, retryAfterMs);
    }
    if (typeof body.access_token !== 'string') throw new GraphFailure('unavailable', response.status, 'no_token');
    return {
      accessToken: body.access_token,
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
      expiresAt: Date.now() + Number(body.expires_in ?? 3_600) * 1_000,
      scopes: typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : [],
    };
  }
}
