import { RpcError } from '@calldesk/contracts';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { OAuth2Client } from 'google-auth-library';
import type { GoogleConfig } from '../config';

/**
 * The narrow scopes we ask for: list calendars, read free/busy and event times (no details) on
 * every calendar, write events only on calendars the user owns.
 */
export const GOOGLE_SCOPES = [
  'https://www.googleapis.com/auth/calendar.calendarlist.readonly',
  'https://www.googleapis.com/auth/calendar.events.freebusy',
  'https://www.googleapis.com/auth/calendar.events.owned',
] as const;

/**
 * google-auth-library's OAuth2Client pointed at the configured endpoints, on Node's own fetch,
 * with its hidden retries off (it retries token calls itself otherwise): the retry policy is ours.
 */
@Injectable()
export class GoogleOAuth {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: GoogleConfig) {}

  get redirectUri(): string {
    return new URL('/v1/oauth/google/callback', this.config.PUBLIC_BASE_URL).toString();
  }

  /** The app's client: authorization URLs, code exchange, refresh, revocation. */
  client(): OAuth2Client {
    const { GOOGLE_CLIENT_ID: clientId, GOOGLE_CLIENT_SECRET: clientSecret } = this.config;
    if (!clientId || !clientSecret) {
      throw new RpcError(
        'failed_precondition',
        'Google sign-in is not configured (GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET)',
        {
          reason: 'provider_not_configured',
        },
      );
    }
    return withoutRetries(
      new OAuth2Client({
        clientId,
        clientSecret,
        redirectUri: this.redirectUri,
        endpoints: {
          oauth2AuthBaseUrl: this.config.GOOGLE_AUTH_URL,
          oauth2TokenUrl: this.config.GOOGLE_TOKEN_URL,
          oauth2RevokeUrl: this.config.GOOGLE_REVOKE_URL,
        },
        transporterOptions: { fetchImplementation: fetch },
      }),
    );
  }

  /** A client that only carries an access token (for Calendar API calls); it never refreshes. */
  bearer(accessToken: string): OAuth2Client {
    const client = withoutRetries(new OAuth2Client({ transporterOptions: { fetchImplementation: fetch } }));
    client.setCredentials({ access_token: accessToken });
    return client;
  }
}

function withoutRetries(client: OAuth2Client): OAuth2Client {
  client.transporter.interceptors.request.add({
    resolved: async (options) => ({ ...options, retry: false, retryConfig: undefined }),
  });
  return client;
}
