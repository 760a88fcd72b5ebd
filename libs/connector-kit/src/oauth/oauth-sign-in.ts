import type { OAuthConnection } from './connection.store';

/** A provider's answer to a sign-in code, read the same way for every provider. */
export interface SignInTokens {
  scopes: string[];
  refreshToken?: string;
  accessToken?: string;
  /** Epoch ms. */
  expiresAt?: number;
}

/** A provider's side of the OAuth dance; the dance itself is OAuthConnectFlow's. */
export abstract class OAuthSignIn {
  /** Where the member gives consent: with `state` and the S256 `codeChallenge`. */
  abstract authorizationUrl(state: string, codeChallenge: string): string;

  /** The code exchanged at the provider with its PKCE verifier; a used or expired code, or a wrong verifier, throws `usedSignInCode()`. */
  abstract exchange(code: string, codeVerifier: string): Promise<SignInTokens>;

  /** What to tell the owner when the grant lacks a permission we need; undefined when it has them all. */
  abstract missingPermission(tokens: SignInTokens): string | undefined;

  /** Gives an unusable grant back to the provider, where it allows that. */
  async giveBack(_tokens: SignInTokens): Promise<void> {}

  /** Releases the connection's grant at the provider on disconnect (its credentials still stored), where it allows that. */
  async release(_connection: OAuthConnection): Promise<void> {}
}
