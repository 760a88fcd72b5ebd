/** The OAuth providers whose connectors are built on this kit. */
export type OAuthProvider = 'google' | 'microsoft';

/** What the kit's classes know of the provider they serve (injected as OAUTH_CONNECTOR). */
export interface OAuthConnectorOptions {
  provider: OAuthProvider;
  /** The provider's name as the owner reads it in a message: Google, Microsoft. */
  displayName: string;
  /**
   * The provider's push table (channels, subscriptions): each row with an id, calendar_id, state,
   * expires_at and created_at, the provider's name for the channel and the SHA-256 of its secret.
   */
  pushTable: { name: string; providerIdColumn: string; secretColumn: string };
}

export const OAUTH_CONNECTOR = Symbol('OAUTH_CONNECTOR');
