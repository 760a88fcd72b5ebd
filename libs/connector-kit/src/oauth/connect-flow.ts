import type { MessageInitShape } from '@bufbuild/protobuf';
import { RpcError, type AuthorizeRequest, type AuthorizeResponseSchema, type OAuthCallback, type OAuthCallbackResultSchema } from '@calldesk/contracts';
import { issueOAuthState, readOAuthState } from '@calldesk/signing';
import { spanAttributes, withSpan } from '@calldesk/telemetry';
import { SpanKind } from '@opentelemetry/api';
import { toRpcError } from '../provider-error';
import { connectionInfo } from './calendar-info';
import type { OAuthCalendar, OAuthCalendarStore } from './calendar.store';
import type { OAuthConnectionStatusPublisher } from './connection-status';
import type { OAuthConnectionStore } from './connection.store';
import type { MemberCheck } from './member-check';
import type { MemberZone } from './member-zone';
import type { OAuthCalendarSync } from './oauth-calendar-sync';
import type { OAuthConnectorConfig } from './oauth-config';
import type { OAuthStateStore } from './oauth-state.store';
import type { OAuthTokens } from './oauth-tokens';
import { newPkce } from './pkce';
import type { OAuthSigners } from './signers';

/** A provider's answer to a sign-in code, read the same way for every provider. */
export interface SignInTokens {
  scopes: string[];
  refreshToken?: string;
  accessToken?: string;
  /** Epoch ms. */
  expiresAt?: number;
}

export interface OAuthConnectFlowParts<C extends OAuthCalendar> {
  config: Pick<OAuthConnectorConfig, 'OAUTH_STATE_TTL_S'>;
  signers: OAuthSigners;
  states: OAuthStateStore;
  members: MemberCheck;
  tokens: OAuthTokens;
  connections: OAuthConnectionStore;
  calendars: OAuthCalendarStore<C>;
  status: OAuthConnectionStatusPublisher;
  sync: OAuthCalendarSync<C>;
  zones: MemberZone;
}

/** What a provider's token endpoint says of a code used before or expired, as we answer it. */
export function usedSignInCode(): RpcError {
  return new RpcError('failed_precondition', 'the sign-in code was already used or has expired: start again', { reason: 'invalid_code' });
}

/** A state that was genuine, but has been used already: each sign-in link completes once. */
function usedSignInState(): RpcError {
  return new RpcError('failed_precondition', 'this sign-in link was already used: start again', { reason: 'state_used' });
}

function invalidSignInState(): RpcError {
  return new RpcError('invalid_argument', 'the sign-in link is invalid or has expired: start again', { field: 'state', reason: 'invalid_state' });
}

/**
 * The OAuth dance, the same for every provider. It starts for a member of the tenant only, with a
 * signed expiring state bound to tenant and member and stored for one use, and a PKCE challenge
 * whose verifier is kept, sealed, with the state. It ends with the state redeemed (once), the code
 * exchanged with that verifier for tokens (sealed at once), the calendars listed with their roles,
 * push and a first sync for each, and connection.status published. A grant without offline access
 * or without a permission we need is refused and, where the provider allows it, handed back. A
 * provider says how its authorization URL is made, how it exchanges a code and what it needs.
 */
export abstract class OAuthConnectFlow<C extends OAuthCalendar> {
  protected constructor(
    private readonly parts: OAuthConnectFlowParts<C>,
    private readonly provider: string,
    private readonly providerName: string,
  ) {}

  /** Where the member gives consent: with `state` and the S256 `codeChallenge`. */
  protected abstract authorizationUrl(state: string, codeChallenge: string): string;
  /** The code exchanged at the provider with its PKCE verifier; a used or expired code, or a wrong verifier, throws `usedSignInCode()`. */
  protected abstract exchange(code: string, codeVerifier: string): Promise<SignInTokens>;
  /** What to tell the owner when the grant lacks a permission we need; undefined when it has them all. */
  protected abstract missingPermission(tokens: SignInTokens): string | undefined;

  /** Gives an unusable grant back to the provider, where it allows that. */
  protected async giveBack(_tokens: SignInTokens): Promise<void> {}

  async authorize(request: AuthorizeRequest): Promise<MessageInitShape<typeof AuthorizeResponseSchema>> {
    const { config, signers, states, members } = this.parts;
    const signer = signers.requireState();
    const { tenantId, memberId } = request;
    await members.require(tenantId, memberId);
    const state = issueOAuthState(signer, { provider: this.provider, tenantId, memberId }, config.OAUTH_STATE_TTL_S);
    const pkce = newPkce();
    await states.save(state, { tenantId, memberId }, pkce.verifier, config.OAUTH_STATE_TTL_S);
    return { authorizationUrl: this.authorizationUrl(state, pkce.challenge) };
  }

  async complete(callback: OAuthCallback): Promise<MessageInitShape<typeof OAuthCallbackResultSchema>> {
    const { signers, states, tokens, connections, calendars, status, sync, zones } = this.parts;
    const state = readOAuthState(signers.requireState(), this.provider, callback.state);
    if (!state) throw invalidSignInState();
    // Redeemed before anything else is looked at: whatever the callback says, its state is spent.
    const redeemed = await states.redeem(callback.state, state);
    if (redeemed === 'used') throw usedSignInState();
    if (redeemed === 'unknown') throw invalidSignInState();
    if (callback.error) {
      throw new RpcError('failed_precondition', `${this.providerName} sign-in was not completed`, { reason: 'consent_declined', error: callback.error.slice(0, 64) });
    }
    const code = callback.code;
    if (!code) throw RpcError.invalidArgument('code', 'code is required');
    const { tenantId, memberId } = state;

    const attributes = spanAttributes({ tenantId, memberId, provider: this.provider });
    const granted = await withSpan(`${this.provider} oauth.token`, { kind: SpanKind.CLIENT, attributes }, () => this.exchange(code, redeemed.verifier));
    const missing = this.missingPermission(granted);
    if (!granted.refreshToken || missing) {
      await this.giveBack(granted).catch(() => undefined);
      throw new RpcError('failed_precondition', missing ?? `${this.providerName} gave no offline access: connect again`, {
        reason: missing ? 'scopes_missing' : 'no_refresh_token',
      });
    }

    const connection = await connections.connect(tenantId, memberId, granted.scopes, {
      refreshToken: granted.refreshToken,
      accessToken: granted.accessToken,
      expiresAt: granted.expiresAt,
    });
    tokens.forget(connection.id);
    let listed;
    try {
      listed = await sync.listCalendars(connection);
    } catch (error) {
      throw toRpcError(error, this.provider);
    }
    const stored = await calendars.replace(connection, listed);
    await Promise.all(stored.filter((c) => c.role !== 'ignored').map((c) => sync.start(c.id)));
    await status.publish(connection);
    return { tenantId, connection: connectionInfo(this.provider, connection, stored, await zones.of(tenantId, memberId)) };
  }
}
