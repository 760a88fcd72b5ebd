import { loadConfig } from '@calldesk/config';
import { TokenSigner } from '@calldesk/signing';
import { z } from 'zod';

/**
 * The secret the connectors sign push channel tokens (Google) and clientStates (Graph) with:
 * WEBHOOK_SECRET, shared with them. Without it every push is refused (and the connectors open no
 * channels; their periodic sync still runs).
 */
export class WebhookSigner {
  readonly signer?: TokenSigner;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const { WEBHOOK_SECRET } = loadConfig(
      { WEBHOOK_SECRET: z.string().min(16, 'must have at least 16 characters').optional() },
      env,
    );
    this.signer = WEBHOOK_SECRET ? new TokenSigner(WEBHOOK_SECRET) : undefined;
  }
}
