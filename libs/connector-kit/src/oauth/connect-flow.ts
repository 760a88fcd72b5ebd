import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  RpcError,
  type AuthorizeRequest,
  type AuthorizeResponseSchema,
  type OAuthCallback,
  type OAuthCallbackResultSchema,
} from '@calldesk/contracts';
import { Decline } from '@calldesk/messaging';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { issueOAuthState, readOAuthState } from '@calldesk/signing';
import { spanAttributes, withSpan } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { toRpcError } from '../provider-error';
import { connectionInfo } from './calendar-info';
import { CalendarProvider } from './calendar-provider';
import { OAuthCalendarStore } from './calendar.store';
import { OAuthConnectionStatusPublisher } from './connection-status';
import { OAuthConnectionStore } from './connection.store';
import { MemberCheck } from './member-check';
import { MemberZone } from './member-zone';
import { OAuthCalendarSync } from './oauth-calendar-sync';
import type { OAuthConnectorConfig } from './oauth-config';
import { OAUTH_CONNECTOR, type OAuthConnectorOptions } from './oauth-connector-options';
import { OAuthSignIn } from './oauth-sign-in';
import { OAuthStateStore } from './oauth-state.store';
import { OAuthTokens } from './oauth-tokens';
import { newPkce } from './pkce';
import { OAuthSigners } from './signers';

/** What a provider's token endpoint says of a code used before or expired, as we answer it. */
export function usedSignInCode(): RpcError {
  return new RpcError('failed_precondition', 'the sign-in code was already used or has expired: start again', {
    reason: 'invalid_code',
  });
}

/** A state that was genuine, but has been used already: each sign-in link completes once. */
function usedSignInState(): RpcError {
  return new RpcError('failed_precondition', 'this sign-in link was already used: start again', {
    reason: 'state_used',
  });
}

function invalidSignInState(): RpcError {
  return new RpcError('invalid_argument', 'the sign-in link is invalid or has expired: start again', {
    field: 'state',
    reason: 'invalid_state',
  });
}

/**
 * The OAuth dance, the same for every provider. It starts for a member of the tenant only, with a
 * signed expiring state bound to tenant and member and stored for one use, and a PKCE challenge
 * whose verifier is kept, sealed, with the state. It ends with the state redeemed (once), the code
 * exchanged with that verifier for tokens (sealed at once), the calendars listed with their roles,
 * push and a first sync for each, and connection.status published. A grant without offline access
 * or without a permission we need is refused and, where the provider allows it, handed back. The
 * provider's OAuthSignIn says how its authorization URL is made, how it exchanges a code and what
 * it needs.
 */
@Injectable()
export class OAuthConnectFlow {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: Pick<OAuthConnectorConfig, 'OAUTH_STATE_TTL_S'>,
    @Inject(OAUTH_CONNECTOR) private readonly options: OAuthConnectorOptions,
    private readonly signIn: OAuthSignIn,
    private readonly provider: CalendarProvider,
    private readonly signers: OAuthSigners,
    private readonly states: OAuthStateStore,
    private readonly members: MemberCheck,
    private readonly tokens: OAuthTokens,
    private readonly connections: OAuthConnectionStore,
    private readonly calendars: OAuthCalendarStore,
    private readonly status: OAuthConnectionStatusPublisher,
    private readonly sync: OAuthCalendarSync,
    private readonly zones: MemberZone,
  ) {}

  /** For a member of the tenant only: a single-use state and a PKCE challenge; other providers' requests are declined. */
  async authorize(request: AuthorizeRequest): Promise<MessageInitShape<typeof AuthorizeResponseSchema>> {
    const { provider } = this.options;
    if (request.provider !== provider) throw new Decline();
    const signer = this.signers.requireState();
    const { tenantId, memberId } = request;
    await this.members.require(tenantId, memberId);
    const state = issueOAuthState(signer, { provider, tenantId, memberId }, this.config.OAUTH_STATE_TTL_S);
    const pkce = newPkce();
    await this.states.save(state, { tenantId, memberId }, pkce.verifier, this.config.OAUTH_STATE_TTL_S);
    return { authorizationUrl: this.signIn.authorizationUrl(state, pkce.challenge) };
  }

  async complete(callback: OAuthCallback): Promise<MessageInitShape<typeof OAuthCallbackResultSchema>> {
    const { provider, displayName } = this.options;
    const state = readOAuthState(this.signers.requireState(), provider, callback.state);
    if (!state) throw invalidSignInState();
    // Redeemed before anything else is looked at: whatever the callback says, its state is spent.
    const redeemed = await this.states.redeem(callback.state, state);
    if (redeemed === 'used') throw usedSignInState();
    if (redeemed === 'unknown') throw invalidSignInState();
    if (callback.error) {
      throw new RpcError('failed_precondition', `${displayName} sign-in was not completed`, {
        reason: 'consent_declined',
        error: callback.error.slice(0, 64),
      });
    }
    const code = callback.code;
    if (!code) throw RpcError.invalidArgument('code', 'code is required');
    const { tenantId, memberId } = state;

    const attributes = spanAttributes({ tenantId, memberId, provider });
    const granted = await withSpan(`${provider} oauth.token`, { kind: SpanKind.CLIENT, attributes }, () =>
      this.signIn.exchange(code, redeemed.verifier),
    );
    const missing = this.signIn.missingPermission(granted);
    if (!granted.refreshToken || missing) {
      await this.signIn.giveBack(granted).catch(() => undefined);
      throw new RpcError('failed_precondition', missing ?? `${displayName} gave no offline access: connect again`, {
        reason: missing ? 'scopes_missing' : 'no_refresh_token',
      });
    }

    const connection = await this.connections.connect(tenantId, memberId, granted.scopes, {
      refreshToken: granted.refreshToken,
      accessToken: granted.accessToken,
      expiresAt: granted.expiresAt,
    });
    this.tokens.forget(connection.id);
    let listed;
    try {
      listed = await this.provider.listCalendars(connection);
    } catch (error) {
      throw toRpcError(error, provider);
    }
    const stored = await this.calendars.replace(connection, listed);
    await Promise.all(stored.filter((c) => c.role !== 'ignored').map((c) => this.sync.start(c.id)));
    await this.status.publish(connection);
    return {
      tenantId,
      connection: connectionInfo(provider, connection, stored, await this.zones.of(tenantId, memberId)),
    };
  }
}
