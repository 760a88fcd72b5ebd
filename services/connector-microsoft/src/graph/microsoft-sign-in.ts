import { OAuthSignIn, toRpcError, usedSignInCode, type SignInTokens } from '@calldesk/connector-kit';
import { Injectable } from '@nestjs/common';
import { GraphFailure } from './graph-errors';
import { MicrosoftOAuth } from './microsoft-oauth';

const CALENDARS = 'calendars.readwrite';

/**
 * Microsoft's side of the sign-in: the code exchanged at the v2.0 token endpoint;
 * Calendars.ReadWrite is needed (Graph may name it with its resource in front). Graph has no
 * revocation of one grant: nothing is given back, and on disconnect the user removes the app in
 * their account.
 */
@Injectable()
export class MicrosoftSignIn extends OAuthSignIn {
  constructor(private readonly oauth: MicrosoftOAuth) {
    super();
  }

  authorizationUrl(state: string, codeChallenge: string): string {
    return this.oauth.authorizationUrl(state, codeChallenge);
  }

  async exchange(code: string, codeVerifier: string): Promise<SignInTokens> {
    try {
      return await this.oauth.exchange(code, codeVerifier, AbortSignal.timeout(10_000));
    } catch (error) {
      if (error instanceof GraphFailure && error.code === 'invalid_grant') throw usedSignInCode();
      throw toRpcError(error, 'microsoft');
    }
  }

  missingPermission(tokens: SignInTokens): string | undefined {
    const granted = tokens.scopes.some(
      (scope) => scope.toLowerCase() === CALENDARS || scope.toLowerCase().endsWith(`/${CALENDARS}`),
    );
    return granted ? undefined : 'Microsoft did not grant access to the calendars: connect again and allow it';
  }
}
