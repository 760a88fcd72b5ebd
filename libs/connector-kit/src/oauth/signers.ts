import { RpcError } from '@calldesk/contracts';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { TokenSigner } from '@calldesk/signing';
import { Inject, Injectable } from '@nestjs/common';
import type { OAuthConnectorConfig } from './oauth-config';

/** The signers of the OAuth state and of push channel tokens, from the environment. */
@Injectable()
export class OAuthSigners {
  readonly state?: TokenSigner;
  /** Absent without WEBHOOK_SECRET: then no push channel or subscription is opened and the periodic sync does the work. */
  readonly webhook?: TokenSigner;

  constructor(@Inject(SERVICE_CONFIG) config: Pick<OAuthConnectorConfig, 'OAUTH_STATE_SECRET' | 'WEBHOOK_SECRET'>) {
    this.state = config.OAUTH_STATE_SECRET ? new TokenSigner(config.OAUTH_STATE_SECRET) : undefined;
    this.webhook = config.WEBHOOK_SECRET ? new TokenSigner(config.WEBHOOK_SECRET) : undefined;
  }

  requireState(): TokenSigner {
    if (!this.state) {
      throw new RpcError('failed_precondition', 'OAuth is not configured on this connector (OAUTH_STATE_SECRET)', {
        reason: 'provider_not_configured',
      });
    }
    return this.state;
  }
}
