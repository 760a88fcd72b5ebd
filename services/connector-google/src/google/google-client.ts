import { OAuthClient, OAuthTokens } from '@calldesk/connector-kit';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { calendar, type calendar_v3 } from '@googleapis/calendar';
import type { GoogleConfig } from '../config';
import { googleErrorOf, isGoogleStatus } from './google-errors';
import { GoogleOAuth } from './google-oauth';

/** Every Calendar API call goes through here (connector-kit's OAuthClient). The client's own retries are off. */
@Injectable()
export class GoogleClient extends OAuthClient<calendar_v3.Calendar> {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GoogleConfig,
    private readonly oauth: GoogleOAuth,
    tokens: OAuthTokens,
  ) {
    super(config, tokens, 'google');
  }

  /** The Calendar API as one access token sees it. */
  api(accessToken: string): calendar_v3.Calendar {
    return calendar({
      version: 'v3',
      auth: this.oauth.bearer(accessToken),
      rootUrl: this.config.GOOGLE_API_ROOT_URL,
      retry: false,
    });
  }

  protected errorOf(error: unknown): Error {
    return googleErrorOf(error);
  }

  protected isUnauthorized(failure: Error): boolean {
    return isGoogleStatus(failure, 401);
  }
}
